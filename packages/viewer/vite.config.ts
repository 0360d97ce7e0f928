// Builds the viewer's page (page/) into dist/page: one script and one style sheet,
// with relative URLs so the same files serve from the server's root and inline into
// a `--html` file.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('./page', import.meta.url)),
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('./dist/page', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1024,
    rolldownOptions: { output: { codeSplitting: false } },
  },
});
