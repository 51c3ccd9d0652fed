// Test instrumentation, never part of the service: preloaded into a spawned service
// (`node --import`, see requestTap() in request-tap.ts), it appends to REQUEST_TAP_FILE, at
// once and synchronously (so nothing is lost at exit), one line per event:
//   <epoch ms> start <x-request-id>    the HTTP server read the request (before any middleware)
//   <epoch ms> finish <x-request-id>   it finished writing the response
//   <epoch ms> close -                 it stopped accepting connections (http.Server#close)
// From Node's own diagnostics channels, so it sees every request the server read, whatever the
// app does with it.
import { subscribe } from 'node:diagnostics_channel';
import { openSync, writeSync } from 'node:fs';
import http from 'node:http';

const fd = openSync(process.env.REQUEST_TAP_FILE, 'a');
const write = (event, id) => writeSync(fd, `${Date.now()} ${event} ${id}\n`);
const idOf = (request) => {
  const id = request.headers['x-request-id'];
  return typeof id === 'string' && /^[\w.:-]+$/.test(id) ? id : '-';
};

subscribe('http.server.request.start', ({ request }) => write('start', idOf(request)));
subscribe('http.server.response.finish', ({ request }) => write('finish', idOf(request)));
const close = http.Server.prototype.close;
http.Server.prototype.close = function (...args) {
  write('close', '-');
  return close.apply(this, args);
};
