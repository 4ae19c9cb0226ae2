import { type Plugin, defineConfig } from "vite";

// The emoji data (emojibase's compact lists) without what pq does not use:
// the skin-tone variants and emoticons (halves the emoji chunk).
function slimEmoji(): Plugin {
  return {
    name: "pq-slim-emoji",
    enforce: "pre",
    transform(code, id) {
      if (!/emojibase-data\/[a-z]+\/compact\.json$/.test(id)) return null;
      const list = (JSON.parse(code) as Record<string, unknown>[]).map(({ skins: _s, emoticon: _e, ...rest }) => rest);
      return { code: JSON.stringify(list), map: null };
    },
  };
}
import react from "@vitejs/plugin-react";

// The Tauri window loads the built files; nothing is fetched from elsewhere.
export default defineConfig({
  plugins: [slimEmoji(), react()],
  clearScreen: false,
  build: { target: "es2022", outDir: "dist", emptyOutDir: true, sourcemap: false },
  test: { environment: "jsdom", globals: true, setupFiles: ["src/test-setup.ts"] },
});
