// One catalogue per language (de.json, en.json); this page's own i18next instance, so it never touches the
// catalogues of Airflow's UI.
import i18next, { type i18n } from "i18next";
import { useEffect, useState } from "react";
import { initReactI18next } from "react-i18next";

import de from "./de.json";
import en from "./en.json";
import { airflowLanguage, pageLanguage, type PageLanguage } from "./language";

export const catalogues = { de, en } as const;

export function createI18n(language: PageLanguage): i18n {
  const instance = i18next.createInstance();
  void instance.use(initReactI18next).init({
    resources: { de: { translation: de }, en: { translation: en } },
    lng: language,
    fallbackLng: false,
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  return instance;
}

/** The page's language, following Airflow's choice while the page is open (Airflow changes it in place). */
export function useFollowedLanguage(instance: i18n): PageLanguage {
  const [language, setLanguage] = useState<PageLanguage>(pageLanguage(airflowLanguage()));
  useEffect(() => {
    const follow = () => setLanguage(pageLanguage(airflowLanguage()));
    const timer = window.setInterval(follow, 1000);
    window.addEventListener("storage", follow);
    return () => {
      window.clearInterval(timer);
      window.removeEventListener("storage", follow);
    };
  }, []);
  useEffect(() => {
    if (instance.language !== language) void instance.changeLanguage(language);
    document.querySelector("[data-cleverreach-page]")?.setAttribute("lang", language);
  }, [instance, language]);
  return language;
}
