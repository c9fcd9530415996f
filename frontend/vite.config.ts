/// <reference types="vitest/config" />
// Builds the page as one UMD file that Airflow's UI loads (react_apps): React, its router, Chakra UI and Emotion
// are Airflow's own (globals the host sets), so the page shares the UI's theme, colour mode and router.
import react from "@vitejs/plugin-react";
import { resolve } from "node:path";
import { defineConfig } from "vite";

const shared: Record<string, string> = {
  react: "React",
  "react-dom": "ReactDOM",
  "react/jsx-runtime": "ReactJSXRuntime",
  "react-router-dom": "ReactRouterDOM",
  "@chakra-ui/react": "ChakraUI",
  "@emotion/react": "EmotionReact",
};

export default defineConfig({
  plugins: [react()],
  define: { "process.env.NODE_ENV": JSON.stringify("production") },
  resolve: {
    alias: {
      src: resolve(import.meta.dirname, "src"),
      "use-sync-external-store/shim": resolve(import.meta.dirname, "src/shims/useSyncExternalStore.ts"),
    },
  },
  build: {
    outDir: resolve(import.meta.dirname, "../plugins/cleverreach/ui/static"),
    emptyOutDir: false,
    sourcemap: false,
    minify: true,
    lib: {
      entry: resolve(import.meta.dirname, "src/main.tsx"),
      formats: ["umd"],
      name: "AirflowPlugin",
      fileName: () => "cleverreach-page.js",
    },
    rollupOptions: { external: Object.keys(shared), output: { globals: shared, exports: "default" } },
  },
  test: { globals: true, environment: "happy-dom", include: ["tests/**/*.test.ts", "tests/**/*.test.tsx"] },
});
