// react-i18next imports use-sync-external-store's CommonJS shim, which require()s React: inside a UMD bundle that
// shares Airflow's React there is no require. React 19 has the hook itself, so the shim is React's own.
export { useSyncExternalStore } from "react";
