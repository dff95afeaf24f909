import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Firestore } from '@google-cloud/firestore';
import type { Context } from 'koa';
import pino from 'pino';
import { DEFAULT_SECURITY_POLICY } from '../../src/config/security-policy';
import { FirestoreSessionStore, SESSIONS_COLLECTION } from '../../src/sessions/session-store';
import { newFirestore } from '../support/test-app';

const USER_ID = 'alice';
const LOGGED_IN = { passport: { user: { id: USER_ID } } };

/** Returns the parts of a Koa context that the store reads, for one simulated request. */
function requestContext(): Context {
  return { get: () => 'test agent', ip: '127.0.0.1', log: pino({ level: 'silent' }) } as unknown as Context;
}

/** Wraps a client so that the first batch commit through it runs `hook` first. */
function withHookBeforeBatchCommit(firestore: Firestore, hook: () => Promise<void>): Firestore {
  let pending: (() => Promise<void>) | undefined = hook;

  return new Proxy(firestore, {
    get(target, property, receiver) {
      if (property !== 'batch') {
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      }

      return () => {
        const batch = target.batch();
        const commit = batch.commit.bind(batch);
        batch.commit = async () => {
          const run = pending;
          pending = undefined;
          await run?.();
          return commit();
        };
        return batch;
      };
    },
  });
}

describe('session renewal racing a revocation', () => {
  const firestore = newFirestore();
  const store = new FirestoreSessionStore(firestore, DEFAULT_SECURITY_POLICY.session);
  after(() => firestore.terminate());

  async function sessionCount(): Promise<number> {
    const snapshot = await firestore.collection(SESSIONS_COLLECTION).where('userId', '==', USER_ID).get();
    return snapshot.size;
  }

  /** Logs in, then starts a request that reads the session and destroys it to renew it. */
  async function startRenewal(): Promise<{ ctx: Context; finish: () => Promise<void> }> {
    const oldToken = FirestoreSessionStore.generateToken();
    await store.set(oldToken, LOGGED_IN, undefined, { ctx: requestContext() });

    const ctx = requestContext();
    assert.ok(await store.get(oldToken, undefined, { ctx }));
    await store.destroy(oldToken, { ctx });
    const newToken = FirestoreSessionStore.generateToken();
    return { ctx, finish: () => store.set(newToken, LOGGED_IN, undefined, { ctx }) };
  }

  it('ends the successor when the revocation came first', async () => {
    const renewal = await startRenewal();

    await store.revokeAllForUser(USER_ID);
    await renewal.finish();

    assert.equal(await sessionCount(), 0);
  });

  it('ends the successor when the revocation came last', async () => {
    const renewal = await startRenewal();

    await renewal.finish();
    await store.revokeAllForUser(USER_ID);

    assert.equal(await sessionCount(), 0);
  });

  it('ends a successor created during the revocation', async () => {
    const renewal = await startRenewal();
    // The renewal finishes after the revocation's query and before its deletion commits.
    const revoking = new FirestoreSessionStore(withHookBeforeBatchCommit(firestore, renewal.finish), DEFAULT_SECURITY_POLICY.session);

    await revoking.revokeAllForUser(USER_ID);

    assert.equal(await sessionCount(), 0);
  });

  it('keeps only the successor when nothing interferes', async () => {
    const renewal = await startRenewal();

    await renewal.finish();

    assert.equal(await sessionCount(), 1);
    await store.revokeAllForUser(USER_ID);
  });

  it('keeps the creation time and device', async () => {
    const renewal = await startRenewal();
    const before = (await firestore.collection(SESSIONS_COLLECTION).where('userId', '==', USER_ID).get()).docs[0];
    renewal.ctx.get = () => 'another agent';

    await renewal.finish();

    const after = (await firestore.collection(SESSIONS_COLLECTION).where('userId', '==', USER_ID).get()).docs[0];
    assert.notEqual(after.id, before.id);
    assert.equal(after.get('createdAt').toMillis(), before.get('createdAt').toMillis());
    assert.equal(after.get('userAgent'), 'test agent');
    await store.revokeAllForUser(USER_ID);
  });

  it('deletes a replaced session that got no successor', async () => {
    const renewal = await startRenewal();

    await store.deleteUnfinishedReplacement(renewal.ctx);

    assert.equal(await sessionCount(), 0);
  });
});
