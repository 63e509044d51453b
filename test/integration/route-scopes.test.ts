/**
 * Every route's scope is declared once, in the contract; this shows the gateway enforces exactly
 * that one. For each route with a scope: a token with every other scope is refused 403 naming it,
 * and a token with that scope alone gets past the check (whatever the route then says of the request).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { ALL_SCOPES } from '../../demo/mint.js';
import { ROUTES, type RouteContract } from '../../src/contract/routes.js';
import { type Stack, startStack } from '../helpers/stack.js';

describe('route scopes: declared in the contract, enforced by the mount', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.close());

  const scoped = Object.entries(ROUTES as Record<string, RouteContract>).filter(([, r]) => r.scope !== undefined);
  test('every scope the gateway knows guards at least one route', () => {
    assert.deepEqual(new Set(scoped.map(([, r]) => r.scope)), new Set(ALL_SCOPES));
  });

  for (const [name, route] of scoped) {
    test(`${name}: ${route.method.toUpperCase()} ${route.path} needs ${route.scope} and only that`, async () => {
      const path = route.path.replace(/\{\w+\}/g, 'x1');
      const send = (scopes: readonly string[]) =>
        request(stack.url)
          [route.method](path)
          .set('Authorization', `Bearer ${stack.token('acme', scopes)}`)
          .set('Content-Type', 'application/json')
          .send(route.method === 'post' ? '{}' : undefined);
      const without = await send(ALL_SCOPES.filter((s) => s !== route.scope));
      assert.equal(without.status, 403, `${without.status} ${without.text}`);
      assert.equal(without.body.code, 'INSUFFICIENT_SCOPE');
      assert.match(String(without.headers['www-authenticate']), new RegExp(`scope="${route.scope}"`));
      const only = await send([route.scope!]);
      assert.notEqual(only.body.code, 'INSUFFICIENT_SCOPE', `${only.status} ${only.text}`);
      assert.notEqual(only.status, 401);
    });
  }
});
