// The Content-Security-Policy of the studio's page, in Electron and in the browser alike: only our own
// scripts and styles, and connections back to where the page came from (the bridge's WebSocket).
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'", // Svelte's style attributes (progress bar widths)
  "img-src 'self' data:",
  "connect-src 'self' ws://127.0.0.1:* ws://localhost:*",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
