/**
 * What the loopback proxies of the test support (ecr-bridge.ts, recording-proxy.ts, fault-proxy.ts) share: a
 * server on a free 127.0.0.1 port that hands each request to a handler once its whole body has arrived, and
 * forwarding a request unchanged to the next hop (moto_server or another proxy) with the response piped back.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';

/** Answers one request, or forwards it with `forwardTo`; `body` is the whole request body. */
export type ProxyHandler = (incoming: IncomingMessage, body: Buffer, outgoing: ServerResponse) => void;

export interface LoopbackServer {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  /** Closes open connections and stops listening. */
  stop(): Promise<void>;
}

/** Starts a server on a free 127.0.0.1 port that calls `handle` for every request. */
export async function startLoopbackServer(handle: ProxyHandler): Promise<LoopbackServer> {
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => handle(incoming, Buffer.concat(chunks), outgoing));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}

/**
 * Sends the request (method, path, headers with `host` rewritten, body) to `target` and pipes the response
 * (status, headers, body) back. When `target` cannot be reached, `onError` answers the client if no response
 * has started yet; otherwise the client's connection is destroyed with the error.
 */
export function forwardTo(
  target: URL,
  incoming: IncomingMessage,
  body: Buffer,
  outgoing: ServerResponse,
  onError: (error: Error) => void,
): void {
  const upstream = httpRequest(
    {
      hostname: target.hostname,
      port: target.port,
      method: incoming.method,
      path: incoming.url,
      headers: { ...incoming.headers, host: target.host },
    },
    (response) => {
      outgoing.writeHead(response.statusCode ?? 502, response.headers);
      response.pipe(outgoing);
    },
  );
  upstream.on('error', (error) => {
    if (!outgoing.headersSent) onError(error);
    else outgoing.destroy(error);
  });
  upstream.end(body);
}

/** The first value of a request header. */
export function header(incoming: IncomingMessage, name: string): string | undefined {
  const value = incoming.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
