import type { GraphBuilder } from './graph.js';
import type { OrtRuntime, OrtSession } from './runtime.js';

/**
 * Sessions are costly to create, so each graph is built once: `shared` ones are keyed by shape and
 * settings; `owned` ones bake in an object's data (a codebook) and are dropped along with it.
 */
export class SessionCache {
  private readonly shared = new Map<string, Promise<OrtSession>>();
  private readonly owned = new WeakMap<object, Map<string, Promise<OrtSession>>>();
  private readonly ids = new WeakMap<object, number>();
  private nextId = 0;

  constructor(private readonly runtime: OrtRuntime) {}

  /** A stable number per object, so a key can name several codebooks. */
  id(o: object): number {
    let id = this.ids.get(o);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(o, id);
    }
    return id;
  }

  private create(map: Map<string, Promise<OrtSession>>, key: string, build: () => GraphBuilder): Promise<OrtSession> {
    let session = map.get(key);
    if (!session) {
      session = this.runtime.createSession(build().toBytes());
      // A failed creation is not cached: the next call tries again and reports its own error.
      session.catch(() => map.delete(key));
      map.set(key, session);
    }
    return session;
  }

  forKey(key: string, build: () => GraphBuilder): Promise<OrtSession> {
    return this.create(this.shared, key, build);
  }

  forOwner(owner: object, key: string, build: () => GraphBuilder): Promise<OrtSession> {
    let map = this.owned.get(owner);
    if (!map) {
      map = new Map();
      this.owned.set(owner, map);
    }
    return this.create(map, key, build);
  }

  /** Releases the shared sessions; owned ones go with their owners. */
  async dispose(): Promise<void> {
    const sessions = [...this.shared.values()];
    this.shared.clear();
    for (const s of await Promise.allSettled(sessions)) if (s.status === 'fulfilled') await s.value.release();
  }
}
