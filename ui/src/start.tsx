import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { dropSnapshot } from "./snapshot";
import { boot, watchCaret, watchIdle } from "./state/actions";

// Start-up timing: every module evaluated (the desktop benchmark reads the
// `pq:` marks).
performance.mark("pq:script");

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
// The restored last screen goes at the app's first frame (boot), or when
// starting failed, or after three seconds whatever happens.
void boot().finally(dropSnapshot);
setTimeout(dropSnapshot, 3000);
watchIdle();
watchCaret();
