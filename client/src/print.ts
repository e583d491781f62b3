// Printing a panel with a picture of the map: the map frames what is printed (clear of the legend, which is not in
// the picture), the picture is taken once the tiles are drawn, then the browser's print dialog opens.
import type { LayerGroup, MapController } from './map.js';

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

/** What the map of a printed CPTS sheet shows whatever the screen shows: perimeters, their overlaps, the structures. */
const SHEET_LAYERS: LayerGroup[] = ['cpts', 'overlaps', 'structures'];

/**
 * Takes the sheet's picture once the map has drawn the fit in progress, with the sheet's layers switched on for
 * that picture only, so that the sheet prints with its map however printing is started (button, Ctrl+P, PDF).
 * Returns the cancel function (the sheet closed before the map was drawn).
 */
export function sheetPicture(ctl: MapController, visible: Record<LayerGroup, boolean>, show: (png: string) => void): () => void {
  const off = SHEET_LAYERS.filter((g) => !visible[g]);
  let pending = true;
  const restore = () => {
    pending = false;
    for (const g of off) ctl.setVisible(g, false);
  };
  const take = () => {
    if (!pending) return;
    show(ctl.snapshot());
    restore();
  };
  for (const g of off) ctl.setVisible(g, true);
  ctl.map.once('idle', take);
  return () => {
    ctl.map.off('idle', take);
    if (pending) restore();
  };
}
