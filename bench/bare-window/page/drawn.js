// The first frame with the heading (what the desktop benchmark times a start to).
requestAnimationFrame(() => performance.mark("bare:drawn"));
