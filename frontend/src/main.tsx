// The CleverReach page as a react_apps plugin of Airflow's UI. Airflow loads this bundle and renders its default
// export inside its own layout; React, the router and Chakra UI are Airflow's (see vite.config.ts), and the theme
// is Airflow's own system (globalThis.ChakraUISystem), so the page follows the UI's look, light and dark.
import { ChakraProvider, defaultSystem, type SystemContext } from "@chakra-ui/react";
import { useMemo } from "react";
import { I18nextProvider } from "react-i18next";

import { App } from "./App";
import { createI18n, useFollowedLanguage } from "./i18n";
import { airflowLanguage, pageLanguage } from "./i18n/language";

declare global {
  var ChakraUISystem: SystemContext | undefined;
}

export default function CleverReachPage() {
  const i18n = useMemo(() => createI18n(pageLanguage(airflowLanguage())), []);
  const language = useFollowedLanguage(i18n);
  return (
    <ChakraProvider value={globalThis.ChakraUISystem ?? defaultSystem}>
      <I18nextProvider i18n={i18n}>
        <div data-cleverreach-page="" lang={language}>
          <App />
        </div>
      </I18nextProvider>
    </ChakraProvider>
  );
}
