// Component tests of the renderer: Svelte components in jsdom with @testing-library/svelte.
import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';

export default defineConfig({
  plugins: [svelte(), svelteTesting()],
  test: {
    environment: 'jsdom',
    include: ['renderer/tests/**/*.test.ts'],
    setupFiles: ['renderer/test-setup.ts'],
  },
});
