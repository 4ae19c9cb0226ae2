import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The Tauri window loads the built files; nothing is fetched from elsewhere.
export default defineConfig({
  plugins: [react()],
  clearScreen: false,
  build: { target: "es2022", outDir: "dist", emptyOutDir: true, sourcemap: false },
  test: { environment: "jsdom", globals: true, setupFiles: ["src/test-setup.ts"] },
});
