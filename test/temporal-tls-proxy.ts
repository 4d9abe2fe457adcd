/**
 * A TLS front for the local Temporal dev server, which itself only speaks plain gRPC: an HTTP/2
 * server with a test CA's certificate that requires a client certificate signed by that CA and
 * an `authorization: Bearer <API key>` header on every call, and forwards each call to the dev
 * server. What a secured Temporal frontend (or Temporal Cloud) asks of a client, on loopback.
 */
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { TestCertificates } from './secure-broker';

export interface TlsProxy {
  address: string;
  /** Calls refused for a missing or wrong API key. */
  refusedCalls: number;
  /** Calls forwarded to the dev server. */
  forwardedCalls: number;
  /** Connections whose TLS handshake failed (no client certificate, or the client distrusts ours). */
  failedHandshakes: number;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set([':scheme', ':authority', 'connection', 'keep-alive', 'transfer-encoding']);

export async function startTemporalTlsProxy(upstreamAddress: string, certs: TestCertificates, apiKey: string): Promise<TlsProxy> {
  const upstream = http2.connect(`http://${upstreamAddress}`);
  upstream.on('error', () => undefined);
  const server = http2.createSecureServer({
    key: readFileSync(certs.serverKey),
    cert: readFileSync(certs.serverCert),
    ca: readFileSync(certs.caFile),
    requestCert: true,
    rejectUnauthorized: true,
  });
  const proxy: TlsProxy = { address: '', refusedCalls: 0, forwardedCalls: 0, failedHandshakes: 0, close: () => Promise.resolve() };
  server.on('tlsClientError', () => (proxy.failedHandshakes += 1));
  // Clients that failed to connect may keep their sessions open; close must not wait for them.
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    if (headers.authorization !== `Bearer ${apiKey}`) {
      proxy.refusedCalls += 1;
      // A trailers-only gRPC answer: UNAUTHENTICATED.
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'missing or wrong API key' },
        { endStream: true },
      );
      return;
    }
    proxy.forwardedCalls += 1;
    const forwarded = Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name) && name !== 'authorization'));
    const call = upstream.request(forwarded);
    call.on('error', () => stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
    let trailers: http2.IncomingHttpHeaders = {};
    call.on('response', (responseHeaders) => {
      // A status in the headers is a trailers-only answer: nothing follows it.
      if (responseHeaders['grpc-status'] !== undefined) {
        stream.respond(responseHeaders, { endStream: true });
        return;
      }
      stream.respond(responseHeaders, { waitForTrailers: true });
      call.pipe(stream);
    });
    call.on('trailers', (received: http2.IncomingHttpHeaders) => {
      trailers = received;
    });
    stream.on('wantTrailers', () => stream.sendTrailers(Object.fromEntries(Object.entries(trailers).filter(([name]) => !name.startsWith(':')))));
    stream.on('close', () => call.close());
    stream.pipe(call);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const session of sessions) session.destroy();
    upstream.destroy();
    await closed;
  };
  return proxy;
}
