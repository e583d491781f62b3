// After a write to the register (a perimeter version, a dated step, a decision on an overlap, a pharmacy's
// membership), the tile URLs carry the new data version: the map takes them and redraws what was written.
import { getTileLayers } from './api.js';
import type { MapController } from './map.js';

export function refreshMap(ctl: MapController | null): void {
  if (ctl) getTileLayers().then((l) => ctl.setTileUrls(l.couches), () => {});
}
