/**
 * Gateway API objects report their own state, written by istiod's status controller: a Gateway is
 * in effect once `Programmed` is True, a route once every parent that reports on it has
 * `Accepted` True, each at the object's generation (kubernetes-sigs/gateway-api v1.5.1, the
 * version Istio 1.30 vendors: apis/v1/gateway_types.go `GatewayConditionProgrammed`,
 * apis/v1/shared_types.go `RouteParentStatus`, `RouteConditionAccepted`; positive-polarity
 * conditions carry `observedGeneration`).
 */
import { done, notYet, type ProbeResult } from '../../kube/poll.js';
import { describeCondition, type ServerObject } from '../../kube/read.js';
import { groupOf } from '../../kube/refs.js';

const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

export const isGatewayApiObject = (o: { apiVersion: string }) => groupOf(o.apiVersion) === GATEWAY_API_GROUP;

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

/** `type` at `generation`: done, or why not yet. */
function conditionTrue(conditions: Condition[] | undefined, type: string, generation: number): string | undefined {
  const condition = conditions?.find((c) => c.type === type);
  if (!condition) return `no ${type} condition yet`;
  if (condition.status !== 'True') return describeCondition(condition);
  if ((condition.observedGeneration ?? 0) < generation)
    return `${type} for generation ${condition.observedGeneration ?? 0}, but the object is at generation ${generation}`;
  return undefined;
}

/** Pure: is this Gateway API object's current generation in effect, by its status? Kinds without status are. */
export function gatewayApiProgress(object: ServerObject): ProbeResult<void> {
  const generation = Number(object.metadata?.generation ?? 0);
  const status = object.status as { conditions?: Condition[]; parents?: { controllerName?: string; conditions?: Condition[] }[] } | undefined;
  if (object.kind === 'Gateway') {
    const why = conditionTrue(status?.conditions, 'Programmed', generation);
    return why ? notYet(why) : done(undefined);
  }
  if (object.kind === 'GatewayClass') {
    const why = conditionTrue(status?.conditions, 'Accepted', generation);
    return why ? notYet(why) : done(undefined);
  }
  if (object.kind?.endsWith('Route')) {
    const parents = status?.parents ?? [];
    if (parents.length === 0) return notYet('no parent has reported on it yet (status.parents is empty)');
    const behind = parents.flatMap((parent) => {
      const why = conditionTrue(parent.conditions, 'Accepted', generation);
      return why ? [`${parent.controllerName ?? 'a controller'}: ${why}`] : [];
    });
    return behind.length > 0 ? notYet(behind.join('; ')) : done(undefined);
  }
  return done(undefined);
}
