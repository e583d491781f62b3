// Vite config for the map client: root client/, built into client/dist and served by the express app.
// No React plugin: esbuild's automatic JSX runtime is enough (no fast refresh, a full reload in dev).
// Each file is compressed once here, gzip and brotli beside it (x.js.gz, x.js.br), which the server sends as they are
// (server/src/api/page.ts): compressing the scripts at each request cost tens of milliseconds of CPU per request.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { compression } from 'vite-plugin-compression2';

const api = process.env.API_URL ?? 'http://localhost:3000';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  esbuild: { jsx: 'automatic' },
  plugins: [compression({ algorithms: ['gzip', 'brotliCompress'] })],
  server: {
    port: 5173,
    proxy: { '/api': api, '/tiles': api },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      output: {
        manualChunks(id) {
          if (id.includes('node_modules/maplibre-gl')) return 'maplibre';
          if (id.includes('node_modules/react') || id.includes('node_modules/scheduler')) return 'react';
          return undefined;
        },
      },
    },
  },
});
