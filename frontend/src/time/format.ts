// Times as the API sends them: ISO 8601 in the tenant's zone, with the offset (e.g. 2026-12-05T17:52:44+01:00),
// and the zone's name beside them (time_zone, e.g. Europe/Berlin). The wall-clock digits are shown exactly as sent
// and labelled with the zone's abbreviation (MEZ/CET) when the zone agrees with the offset, else with the offset
// itself (UTC+01:00): a time is never relabelled as another zone's.

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;

export interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** minutes east of UTC, null when the text carries no offset */
  offsetMinutes: number | null;
}

export function parseZoned(text: string): ZonedParts | null {
  const m = ISO.exec(text.trim());
  if (!m) return null;
  let offsetMinutes: number | null = null;
  if (m[7] === "Z") offsetMinutes = 0;
  else if (m[7]) {
    const sign = m[7][0] === "-" ? -1 : 1;
    const digits = m[7].slice(1).replace(":", "");
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
  }
  return { year: +m[1], month: +m[2], day: +m[3], hour: +m[4], minute: +m[5], second: +(m[6] ?? 0), offsetMinutes };
}

export function offsetLabel(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `UTC${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

/** The zone's offset (minutes east of UTC) at an instant, as the browser's time-zone data knows it. */
export function zoneOffsetAt(instant: Date, zone: string): number | null {
  try {
    const parts = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    }).formatToParts(instant);
    const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
    const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
    return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60000);
  } catch {
    return null;
  }
}

/** The zone's short name at an instant in the page's language (MEZ/MESZ in German, CET/CEST in English). */
export function zoneAbbreviation(instant: Date, zone: string, language: string): string | null {
  try {
    const part = new Intl.DateTimeFormat(localeOf(language), { timeZone: zone, timeZoneName: "short" })
      .formatToParts(instant).find((p) => p.type === "timeZoneName");
    return part?.value ?? null;
  } catch {
    return null;
  }
}

export function localeOf(language: string): string {
  return language === "de" ? "de-DE" : "en-GB";
}

const pad = (n: number) => String(n).padStart(2, "0");

/** "05.12.2026, 17:52:44 MEZ" (de) or "05/12/2026, 17:52:44 CET" (en); "" for no time. */
export function formatZoned(text: string | null | undefined, zone: string | null | undefined, language: string): string {
  if (!text) return "";
  const p = parseZoned(text);
  if (!p) return text;
  const date = language === "de" ? `${pad(p.day)}.${pad(p.month)}.${p.year}` : `${pad(p.day)}/${pad(p.month)}/${p.year}`;
  const clock = `${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
  if (p.offsetMinutes === null) return `${date}, ${clock} (${language === "de" ? "Zone unbekannt" : "zone unknown"})`;
  const instant = new Date(Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - p.offsetMinutes * 60000);
  let label = offsetLabel(p.offsetMinutes);
  if (zone && zoneOffsetAt(instant, zone) === p.offsetMinutes) {
    const abbreviation = zoneAbbreviation(instant, zone, language);
    if (abbreviation && !/^(GMT|UTC)[+-]/.test(abbreviation)) label = abbreviation;
  }
  return `${date}, ${clock} ${label}`;
}
