// The backend API; /health answers the pipeline's health checks.
require("http").createServer((req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(req.url === "/health" ? '{"status":"ok"}' : '{"service":"backend"}');
}).listen(8000);
