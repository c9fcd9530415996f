import { airflowLanguage, pageLanguage } from "src/i18n/language";

describe("pageLanguage", () => {
  it("follows Airflow's English, and is German otherwise", () => {
    expect(pageLanguage("en")).toBe("en");
    expect(pageLanguage("en-US")).toBe("en");
    expect(pageLanguage("de")).toBe("de");
    expect(pageLanguage("fr")).toBe("de");
    expect(pageLanguage(null)).toBe("de");
  });

  it("reads the language Airflow's UI keeps", () => {
    expect(airflowLanguage({ getItem: (k: string) => (k === "i18nextLng" ? "en" : null) })).toBe("en");
    expect(airflowLanguage({ getItem: () => { throw new Error("blocked"); } })).toBeNull();
  });
});
