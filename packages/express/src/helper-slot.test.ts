import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import type { RequestHelper } from '@pirsch-node/core';
import { describe, expect, it, vi } from 'vitest';
import { attachHelper } from './helper-slot.js';

const helper = (name: string) => ({ event() {}, session() {}, name }) as unknown as RequestHelper;
const nodeRequest = () => new IncomingMessage(new Socket());

/** A request as Express makes one: its prototype swapped for an app's, above a shared request object above IncomingMessage's. */
function expressLike() {
  const shared = Object.create(IncomingMessage.prototype) as object;
  const appRequest = Object.create(shared, { app: { value: {}, enumerable: true, writable: true, configurable: true } }) as object;
  const request = () => Object.setPrototypeOf(nodeRequest(), appRequest) as IncomingMessage & { pirsch?: RequestHelper };
  return { shared, appRequest, request };
}

describe('express adapter: where req.pirsch lives', () => {
  it("keeps a swapped-prototype request's helper out of the request, behind one accessor on the shared request object", () => {
    const { shared, appRequest, request } = expressLike();
    const [first, second] = [request(), request()];
    attachHelper(first, helper('first'));
    attachHelper(second, helper('second'));
    expect((first.pirsch as unknown as { name: string }).name).toBe('first');
    expect((second.pirsch as unknown as { name: string }).name).toBe('second');
    expect(Object.prototype.hasOwnProperty.call(first, 'pirsch')).toBe(false);
    expect(Object.getOwnPropertyDescriptor(shared, 'pirsch')?.get).toBeTypeOf('function');
    expect(Object.getOwnPropertyDescriptor(shared, 'pirsch')?.enumerable).toBe(false);
    expect(Object.prototype.hasOwnProperty.call(appRequest, 'pirsch')).toBe(false);
    // A request nobody tracked reads undefined, as without the accessor.
    expect(request().pirsch).toBeUndefined();
    // The app may still assign its own value.
    const third = request();
    third.pirsch = helper('assigned');
    expect((third.pirsch as unknown as { name: string }).name).toBe('assigned');
  });

  it("gives a plain Node request and one outside IncomingMessage's line an own property", () => {
    const plain = nodeRequest() as IncomingMessage & { pirsch?: RequestHelper };
    attachHelper(plain, helper('plain'));
    expect(Object.prototype.hasOwnProperty.call(plain, 'pirsch')).toBe(true);
    expect(Object.prototype.hasOwnProperty.call(IncomingMessage.prototype, 'pirsch')).toBe(false);

    const stray = Object.create({ something: 1 }) as { pirsch?: RequestHelper };
    attachHelper(stray, helper('stray'));
    expect(Object.prototype.hasOwnProperty.call(stray, 'pirsch')).toBe(true);

    const bare = Object.create(null) as { pirsch?: RequestHelper };
    attachHelper(bare, helper('bare'));
    expect((bare.pirsch as unknown as { name: string }).name).toBe('bare');

    // An assignment before the middleware goes through the accessor; the middleware's helper replaces it.
    const { request } = expressLike();
    const assigned = request();
    attachHelper(request(), helper('first'));
    assigned.pirsch = helper('old');
    attachHelper(assigned, helper('new'));
    expect((assigned.pirsch as unknown as { name: string }).name).toBe('new');
    expect(Object.prototype.hasOwnProperty.call(assigned, 'pirsch')).toBe(false);
  });

  it('leaves a pirsch that is not its own accessor alone, and sets an own property instead', () => {
    const { shared, request } = expressLike();
    Object.defineProperty(shared, 'pirsch', { value: 'foreign', writable: true, configurable: true });
    const req = request();
    attachHelper(req, helper('mine'));
    expect(Object.prototype.hasOwnProperty.call(req, 'pirsch')).toBe(true);
    expect((req.pirsch as unknown as { name: string }).name).toBe('mine');
    expect(Object.getOwnPropertyDescriptor(shared, 'pirsch')?.value).toBe('foreign');
  });

  it('shares the helpers with a second copy of the package in the same process', async () => {
    const { request } = expressLike();
    const req = request();
    attachHelper(req, helper('one'));
    vi.resetModules();
    // The query makes a second module instance, as a second copy of the package in node_modules would be.
    const second = './helper-slot.js?copy';
    const copy = (await import(/* @vite-ignore */ second)) as typeof import('./helper-slot.js');
    expect(copy.attachHelper).not.toBe(attachHelper);
    const other = request();
    copy.attachHelper(other, helper('two'));
    expect(Object.prototype.hasOwnProperty.call(other, 'pirsch')).toBe(false);
    expect((other.pirsch as unknown as { name: string }).name).toBe('two');
    expect((req.pirsch as unknown as { name: string }).name).toBe('one');
  });
});
