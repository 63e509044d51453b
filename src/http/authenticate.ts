/**
 * The authentication step of every route with a token: the address's failed-authentication budget,
 * the token (auth/authenticator.ts), the tenant's request rate, then the route's scope.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Authenticator } from '../auth/authenticator.js';
import type { FailedAuthBudget } from '../auth/failed-auth-budget.js';
import type { Principal, Scope } from '../domain/principal.js';
import type { TenantPolicy } from '../domain/tenant-policy.js';
import { setCaller } from '../edge/scope.js';
import { GatewayError } from '../errors/catalogue.js';
import type { TenantLimits } from '../limits/tenant-limits.js';
import { inSpan } from '../telemetry/spans.js';

export interface AuthDeps {
  authenticator: Authenticator;
  limits: TenantLimits;
  tenants: ReadonlyMap<string, TenantPolicy>;
  failedAuth: FailedAuthBudget;
}

/** Express middleware: authenticates, takes a token from the tenant's rate budget, then checks one scope. */
export function requireAuth(deps: AuthDeps, scope: Scope) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    // A token verified before is served whatever its address's failure budget: nobody is locked out.
    // Only a request admitted to verification can fail it (a refusal by the budget is not a failure).
    let verifying = false;
    let principal: Principal;
    try {
      principal = await inSpan('authenticate', { 'cc.scope': scope }, async (span) => {
        const p = await deps.authenticator.authenticate(req.headers.authorization, {
          beforeVerifying: () => {
            deps.failedAuth.admitVerification(req.ip);
            verifying = true;
          },
        });
        span.setAttributes({ 'cc.tenant': p.tenantId, 'cc.token.verified': verifying });
        return p;
      });
    } catch (err) {
      if (verifying) await deps.failedAuth.failed(req.ip);
      throw err;
    }
    const tenant = deps.tenants.get(principal.tenantId);
    // The authenticator admits only configured tenants: a miss here is a wiring bug.
    if (!tenant) throw new Error(`authenticated tenant ${principal.tenantId} has no policy`);
    setCaller(res, principal, tenant);
    await deps.limits.admit(principal.tenantId);
    if (!principal.scopes.has(scope)) {
      throw new GatewayError('INSUFFICIENT_SCOPE', `the token lacks the scope ${scope}`, {
        headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="${scope}"` },
      });
    }
    next();
  };
}
