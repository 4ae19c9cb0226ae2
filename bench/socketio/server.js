// The socket.io 4 server pq-loadgen compares pq-server with (BENCHMARKS.md):
// one room, every message broadcast to everyone in it, acknowledged to its
// sender. Nothing is stored. WebSocket transport only, no compression.
//   node server.js PORT
const { Server } = require("socket.io");

const port = Number(process.argv[2] || 3000);
const io = new Server(port, { transports: ["websocket"], perMessageDeflate: false, serveClient: false });
io.on("connection", (socket) => {
  socket.join("room");
  socket.on("send", (body, ack) => {
    io.to("room").emit("msg", body);
    if (typeof ack === "function") ack(true);
  });
});
console.log(`socket.io listening on ${port}`);
