import { formatZoned, offsetLabel, parseZoned } from "src/time/format";

describe("formatZoned", () => {
  it("shows the wall clock as sent, with the zone's abbreviation in winter", () => {
    // 16:52:44 UTC is 17:52:44 in Berlin (MEZ): the old page cut the offset and printed "17:52:44 UTC"
    expect(formatZoned("2026-12-05T17:52:44+01:00", "Europe/Berlin", "de")).toBe("05.12.2026, 17:52:44 MEZ");
    expect(formatZoned("2026-12-05T17:52:44+01:00", "Europe/Berlin", "en")).toBe("05/12/2026, 17:52:44 CET");
  });

  it("knows summer time", () => {
    expect(formatZoned("2026-07-01T09:00:00+02:00", "Europe/Berlin", "de")).toBe("01.07.2026, 09:00:00 MESZ");
  });

  it("never labels a time with a zone that disagrees with its offset", () => {
    expect(formatZoned("2026-12-05T17:52:44+01:00", "UTC", "en")).toBe("05/12/2026, 17:52:44 UTC+01:00");
    expect(formatZoned("2026-12-05T16:52:44Z", "UTC", "en")).toBe("05/12/2026, 16:52:44 UTC");
  });

  it("shows the offset for zones without a common abbreviation", () => {
    expect(formatZoned("2026-12-05T20:22:44+05:30", "Asia/Kolkata", "de")).toMatch(/^05\.12\.2026, 20:22:44 /);
    expect(formatZoned("2026-12-05T20:22:44+05:30", null, "en")).toBe("05/12/2026, 20:22:44 UTC+05:30");
  });

  it("says so when a time carries no zone", () => {
    expect(formatZoned("2026-12-05T17:52:44", "Europe/Berlin", "de")).toBe("05.12.2026, 17:52:44 (Zone unbekannt)");
    expect(formatZoned(null, "Europe/Berlin", "de")).toBe("");
  });
});

describe("parseZoned", () => {
  it("reads offsets with and without a colon and fractions of seconds", () => {
    expect(parseZoned("2026-12-05T17:52:44.123456-0330")?.offsetMinutes).toBe(-210);
    expect(parseZoned("not a time")).toBeNull();
    expect(offsetLabel(-210)).toBe("UTC-03:30");
  });
});
