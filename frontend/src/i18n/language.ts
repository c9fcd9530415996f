// The page follows the language chosen in Airflow's UI: Airflow's i18next keeps it in localStorage
// ("i18nextLng", the same origin as this page). German unless Airflow's language is English: the people who
// manage recipient lists in hyperspace work in German, and Airflow has no language chosen at first.

export type PageLanguage = "de" | "en";
export const AIRFLOW_LANGUAGE_KEY = "i18nextLng";

export function pageLanguage(airflowLanguage: string | null | undefined): PageLanguage {
  return airflowLanguage?.toLowerCase().startsWith("en") ? "en" : "de";
}

export function airflowLanguage(storage: Pick<Storage, "getItem"> | undefined = globalThis.localStorage): string | null {
  try {
    return storage?.getItem(AIRFLOW_LANGUAGE_KEY) ?? null;
  } catch {
    return null;
  }
}
