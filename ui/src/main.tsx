// The page's entry: styles, then the app. When pq restored the last screen
// into the page (`#pq-snapshot`, see snapshot.ts), that screen is drawn
// first and the app's script loads and runs a frame later.
import "./styles.css";

const start = () => void import("./start");
if (document.getElementById("pq-snapshot")) requestAnimationFrame(() => setTimeout(start, 0));
else start();
