// The Content-Security-Policy of the studio's page: only our own scripts and styles, and connections
// back to where the page came from. In the browser that is the bridge's own WebSocket on its port (not
// any loopback port, where other local services listen); the Electron page talks over IPC and connects
// nowhere but itself.
function policy(connectSrc: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'", // Svelte's style attributes (progress bar widths)
    "img-src 'self' data:",
    `connect-src ${connectSrc}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The policy of the page the browser bridge serves on `port`. */
export function contentSecurityPolicy(port: number): string {
  return policy(`'self' ws://127.0.0.1:${port} ws://localhost:${port}`);
}

/** The policy of the desktop app's app:// page. */
export const APP_CONTENT_SECURITY_POLICY = policy("'self'");
