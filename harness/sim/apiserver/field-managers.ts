/**
 * Server-side apply's field ownership: the configuration each field manager last applied to an
 * object, what a new apply by another manager conflicts with, and who owns a field after `force`.
 */
import { ApiError } from '../store/errors.js';
import { conflictingFields, withoutFields } from '../store/ownership.js';
import type { KubeObject } from '../store/types.js';
import type { ResourceType } from './registry.js';

interface Conflict {
  manager: string;
  fields: string[];
}

export class FieldManagers {
  /** Last configuration each field manager applied, per object uid: what apply may remove next time. */
  private readonly appliedConfigs = new Map<string, Map<string, unknown>>();

  /** What `manager` applied to the object last, if it ever did. */
  previous(uid: string, manager: string): unknown {
    return this.appliedConfigs.get(uid)?.get(manager);
  }

  /** The fields of `applied` that other managers' last applies set too. */
  conflicts(uid: string, manager: string, applied: KubeObject, keyedLists: boolean): Conflict[] {
    return [...(this.appliedConfigs.get(uid) ?? [])]
      .filter(([other]) => other !== manager)
      .map(([other, config]) => ({ manager: other, fields: conflictingFields(applied, config, keyedLists) }))
      .filter((c) => c.fields.length > 0);
  }

  /** Forced fields change hands: their former managers no longer own them. */
  takeOver(uid: string, conflicts: Conflict[], keyedLists: boolean): void {
    const managers = this.appliedConfigs.get(uid);
    for (const { manager, fields } of conflicts) managers?.set(manager, withoutFields(managers.get(manager), fields, keyedLists));
  }

  remember(uid: string, manager: string, applied: KubeObject): void {
    const byManager = this.appliedConfigs.get(uid) ?? new Map<string, unknown>();
    this.appliedConfigs.set(uid, byManager);
    byManager.set(manager, structuredClone(applied));
  }

  forget(uid: string): void {
    this.appliedConfigs.delete(uid);
  }
}

/** The 409 a conflicting apply without `force` gets, listing every field and its manager. */
export function applyConflict(t: ResourceType, name: string, conflicts: Conflict[]): ApiError {
  const count = conflicts.reduce((n, c) => n + c.fields.length, 0);
  const list = conflicts.flatMap((c) => c.fields.map((f) => `- conflict with "${c.manager}": ${f}`)).join('\n');
  return new ApiError(409, 'Conflict', `Apply failed with ${count} conflict${count === 1 ? '' : 's'}:\n${list}\nuse force to take these fields over`, {
    name,
    group: t.group,
    kind: t.plural,
    causes: conflicts.flatMap((c) => c.fields.map((f) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}"`, field: f }))),
  });
}
