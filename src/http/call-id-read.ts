/**
 * A read by call id with the index on (issue 22, item 8's last clause): the vendor picks the
 * call's files itself, so when the index knows a recording of the call outside the tenant's VDNs
 * or `recordings` rule, the read is refused before the vendor is called. The rule check of
 * checkCallIdRead still applies first.
 */
import { checkCallIdRead, recordingInside, type TenantPolicy } from '../domain/tenant-policy.js';
import { pathForbidden } from '../errors/catalogue.js';
import type { CallIndex } from '../index/port.js';

export async function checkCallIdReadIndexed(
  index: CallIndex | undefined,
  tenant: TenantPolicy,
  callId: string,
): Promise<void> {
  checkCallIdRead(tenant);
  const indexed = index ? await index.recordingsOf(tenant.id, callId) : undefined;
  if (!indexed) return;
  const outside = indexed.filter((r) => !recordingInside(tenant, r));
  if (outside.length > 0)
    throw pathForbidden(
      `the index holds ${outside.length} recording(s) of this call outside the tenant's rules, which a read by call id would return; read the others by fileName`,
    );
}
