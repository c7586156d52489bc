// Docker HEALTHCHECK: GET /healthz on the health port named by HEALTH_ADDRESS (the image sets :9090).
// Node instead of curl keeps the image free of extra tools.
const address = process.env.HEALTH_ADDRESS || ':9090';
const port = address.slice(address.lastIndexOf(':') + 1);
const controller = new AbortController();
setTimeout(() => controller.abort(), 2500).unref();
try {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: controller.signal });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
