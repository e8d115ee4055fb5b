// The activity chart on the main thread: loads the wasm module here too (plotters-canvas
// draws only on an HTMLCanvasElement, which a worker does not have), sizes the canvas for
// the device pixel ratio and redraws on resize.

import init, { draw_activity } from './pkg/wormscope_web.js';

const ready = init();
let lastActivity = null;
let lastCanvas = null;

/** Sizes the canvas to its CSS box in device pixels and draws the activity on it. */
export async function drawActivity(canvas, activity) {
  await ready;
  lastActivity = activity;
  lastCanvas = canvas;
  const ratio = window.devicePixelRatio || 1;
  const box = canvas.getBoundingClientRect();
  canvas.width = Math.max(1, Math.round(box.width * ratio));
  canvas.height = Math.max(1, Math.round(box.height * ratio));
  draw_activity(canvas, activity);
}

/** Redraws the last chart after the window size settles. */
export function setupChartResize() {
  let timer = 0;
  window.addEventListener('resize', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (lastActivity && lastCanvas) {
        drawActivity(lastCanvas, lastActivity);
      }
    }, 150);
  });
}
