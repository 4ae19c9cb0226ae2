import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { boot, watchCaret, watchIdle } from "./state/actions";
import "./styles.css";

// Start-up timing: every module evaluated (the desktop benchmark reads the
// `pq:` marks).
performance.mark("pq:script");

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
void boot();
watchIdle();
watchCaret();
