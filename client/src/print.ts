// Printing a panel with a picture of the map: the map frames what is printed (clear of the legend, which is not in
// the picture), the picture is taken once the tiles are drawn, then the browser's print dialog opens.
import type { MapController } from './map.js';

/** Frames `extent`, hands the map's picture to `show` (an <img> of the printed page), then prints. */
export function printWithMap(ctl: MapController | null, extent: [number, number, number, number] | undefined, show: (png: string) => void): void {
  if (!ctl) return window.print();
  let done = false;
  const go = () => {
    if (done) return;
    done = true;
    show(ctl.snapshot());
    // one frame for React to put the picture in the page before the dialog freezes it
    requestAnimationFrame(() => requestAnimationFrame(() => window.print()));
  };
  ctl.map.once('idle', go);
  // a map that never becomes idle (tiles failing): print what is drawn
  setTimeout(go, 4000);
  if (extent) ctl.map.fitBounds(extent, { padding: 24, duration: 0 });
  ctl.map.triggerRepaint();
}
