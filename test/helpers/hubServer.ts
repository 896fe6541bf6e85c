import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/**
 * A real HTTP server answering the part of the Hugging Face Hub's API that huggingface_hub's
 * `snapshot_download` (1.21, tools/requirements.txt) calls, for repositories made of local folders:
 * - GET /api/models/OWNER/NAME/revision/REVISION: the repository's commit (`sha`) and files (`siblings`);
 * - HEAD and GET /OWNER/NAME/resolve/COMMIT/FILE: a file's metadata (ETag, X-Repo-Commit, Content-Length)
 *   and bytes; a weights file (*.safetensors, kept in LFS on the Hub) instead redirects to its blob, with
 *   X-Linked-Etag and X-Linked-Size, as the Hub redirects to its CDN;
 * - GET /lfs/SHA256: that blob;
 * - GET /api/agent-harnesses: the registry of AI agents huggingface_hub names in its User-Agent, which it
 *   fetches once a process unless HF_HOME holds a copy of the day (served empty: no agent is named).
 * No X-Xet-Hash header, so huggingface_hub downloads over plain HTTP rather than through hf-xet. An unknown
 * repository gets 404 with X-Error-Code RepoNotFound, as the Hub answers. Every request is kept in `requests`.
 */
export interface HubServer {
  readonly url: string;
  /** "METHOD PATH" of every request, in order. */
  readonly requests: string[];
  /** The commit a repository's files are served at. */
  commit(repoId: string): string;
  /** The requests downloading `repoId` makes: its info, each file's HEAD and the GET of its bytes. */
  expectedRequests(repoId: string): string[];
  close(): Promise<void>;
}

interface RepoFile {
  bytes: Buffer;
  /** The Hub's ETag: a Git blob's SHA-1, or for an LFS file its SHA-256. */
  etag: string;
  lfs: boolean;
}

/** A file the Hub keeps in LFS (its default .gitattributes has *.safetensors). */
const isLfs = (name: string) => name.endsWith('.safetensors');

function repoFiles(folder: string): Map<string, RepoFile> {
  const files = new Map<string, RepoFile>();
  for (const name of readdirSync(folder).sort()) {
    const bytes = readFileSync(path.join(folder, name));
    const lfs = isLfs(name);
    const etag = lfs
      ? createHash('sha256').update(bytes).digest('hex')
      : createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
    files.set(name, { bytes, etag, lfs });
  }
  return files;
}

/** Serves `repos` (Hugging Face id to folder) as the Hub does, on 127.0.0.1 at a free port. */
export async function startHubServer(repos: Record<string, string>): Promise<HubServer> {
  const served = new Map(
    Object.entries(repos).map(([id, folder]) => {
      const files = repoFiles(folder);
      const commit = createHash('sha1')
        .update(id)
        .update([...files.values()].map((f) => f.etag).join())
        .digest('hex');
      return [id, { files, commit }];
    }),
  );
  const blobs = new Map([...served.values()].flatMap((repo) => [...repo.files.values()].filter((f) => f.lfs).map((f) => [f.etag, f] as const)));
  const requests: string[] = [];

  const notFound = (response: ServerResponse, errorCode: string, message: string) => {
    response.writeHead(404, { 'content-type': 'application/json', 'x-error-code': errorCode, 'x-error-message': message });
    response.end(JSON.stringify({ error: message }));
  };
  const send = (request: IncomingMessage, response: ServerResponse, headers: Record<string, string>, bytes: Buffer) => {
    response.writeHead(200, { 'content-length': String(bytes.length), ...headers });
    response.end(request.method === 'HEAD' ? undefined : bytes);
  };

  const server = createServer((request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://hub');
    requests.push(`${request.method} ${pathname}`);
    const info = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(pathname);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(pathname);
    const blob = /^\/lfs\/([0-9a-f]{64})$/.exec(pathname);
    if (pathname === '/api/agent-harnesses' && request.method === 'GET') {
      return send(request, response, { 'content-type': 'application/json' }, Buffer.from(JSON.stringify({ standardEnvVars: [], harnesses: {} })));
    }
    if (info && request.method === 'GET') {
      const repo = served.get(info[1]!);
      if (!repo) return notFound(response, 'RepoNotFound', 'Repository not found');
      if (info[2] !== 'main') return notFound(response, 'RevisionNotFound', `Invalid rev id: ${info[2]}`);
      const body = { id: info[1], sha: repo.commit, siblings: [...repo.files.keys()].map((rfilename) => ({ rfilename })) };
      return send(request, response, { 'content-type': 'application/json' }, Buffer.from(JSON.stringify(body)));
    }
    if (resolve && (request.method === 'HEAD' || request.method === 'GET')) {
      const repo = served.get(resolve[1]!);
      if (!repo) return notFound(response, 'RepoNotFound', 'Repository not found');
      if (resolve[2] !== repo.commit && resolve[2] !== 'main') return notFound(response, 'RevisionNotFound', `Invalid rev id: ${resolve[2]}`);
      const file = repo.files.get(decodeURIComponent(resolve[3]!));
      if (!file) return notFound(response, 'EntryNotFound', 'Entry not found');
      if (file.lfs) {
        response.writeHead(302, {
          location: `http://${request.headers.host}/lfs/${file.etag}`,
          'x-repo-commit': repo.commit,
          'x-linked-etag': `"${file.etag}"`,
          'x-linked-size': String(file.bytes.length),
        });
        return response.end();
      }
      return send(request, response, { etag: `"${file.etag}"`, 'x-repo-commit': repo.commit }, file.bytes);
    }
    const lfsFile = blob && request.method === 'GET' ? blobs.get(blob[1]!) : undefined;
    if (lfsFile) return send(request, response, { etag: `"${lfsFile.etag}"` }, lfsFile.bytes);
    notFound(response, 'EntryNotFound', `${request.method} ${pathname} is not part of the Hub's API served here`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    commit: (repoId) => served.get(repoId)!.commit,
    expectedRequests: (repoId) => {
      const repo = served.get(repoId)!;
      return [
        `GET /api/models/${repoId}/revision/main`,
        ...[...repo.files].flatMap(([name, file]) => [
          `HEAD /${repoId}/resolve/${repo.commit}/${name}`,
          file.lfs ? `GET /lfs/${file.etag}` : `GET /${repoId}/resolve/${repo.commit}/${name}`,
        ]),
      ];
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
