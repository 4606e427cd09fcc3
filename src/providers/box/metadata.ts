import { CloudStorageError, invalidArgument } from '../../core/errors.js';
import { enumMember, publishPage } from '../../core/provider.js';
import type { BoxContext } from './context.js';
import { BoxErrorCode } from './errors.js';
import { type BoxRef, existing, formatId, itemPath } from './ids.js';
import { metadataFromInstance, metadataListEvent } from './mapping.js';
import { type BoxMetadata, BoxMetadataModOp, BoxMetadataValueType } from './types.js';
import type { WireMetadataInstance, WirePatchOperation } from './wire.js';

/**
 * Metadata containers ("template instances" on Box): `/global/properties`, a free-form store of strings,
 * and enterprise templates (`/enterprise_<id>/<template>`) with typed fields.
 */
export interface Container {
  scope: string;
  schema: string;
}

/** Empty scope means `global`, empty schema `properties` (all methods but listMetadata). */
export function containerOf(scope: string, schema: string): Container {
  const s = scope.trim() || 'global';
  const t = schema.trim() || 'properties';
  if (s !== 'global' && !/^enterprise(_\d+)?$/.test(s)) {
    throw invalidArgument(`Metadata scope "${scope}" is not valid: use global or enterprise_<EnterpriseId>.`);
  }
  if (s === 'global' && t !== 'properties') {
    throw invalidArgument(`The global scope has only the properties schema; got "${schema}".`);
  }
  if (!/^[A-Za-z0-9_-]+$/.test(t))
    throw invalidArgument(`Metadata schema "${schema}" is not a template key.`);
  return { scope: s, schema: t };
}

function containerPath(ref: BoxRef, c: Container): string {
  return `/${itemPath(ref)}/metadata/${c.scope}/${c.schema}`;
}

/**
 * The items of the Metadata collection, each checked: valueType and modOp must be values of their enums
 * (error 1000 naming the item), so that a typo is not silently skipped or sent as a string.
 */
function checkedItems(items: readonly BoxMetadata[]): readonly BoxMetadata[] {
  items.forEach((m, i) => {
    enumMember(m.valueType, BoxMetadataValueType, `metadata[${i}].valueType`);
    enumMember(m.modOp, BoxMetadataModOp, `metadata[${i}].modOp`);
  });
  return items;
}

/** Whether an item's filters (empty = any) match the call's resource and container. */
function applies(item: BoxMetadata, resourceId: string, c: Container): boolean {
  const sameId = item.resourceId === '' || item.resourceId === resourceId;
  const sameScope = item.containerScope === '' || item.containerScope === c.scope;
  const sameSchema = item.containerSchema === '' || item.containerSchema === c.schema;
  return sameId && sameScope && sameSchema;
}

function checkItemName(name: string, what: string): void {
  if (name === '' || name.length > 256 || name.startsWith('$')) {
    throw invalidArgument(
      `Metadata ${what} "${name}" is not valid: names have 1 to 256 characters and do not start with $.`,
    );
  }
}

/** A value as Box takes it: always a string in global/properties, else per the item's value type. */
function encodeValue(item: BoxMetadata, c: Container): unknown {
  if (c.scope === 'global') return item.value;
  switch (item.valueType) {
    case 1: {
      const n = Number(item.value);
      if (item.value.trim() === '' || !Number.isFinite(n)) {
        throw invalidArgument(
          `Metadata item ${item.name} has valueType Number but its value "${item.value}" is not a number.`,
        );
      }
      return n;
    }
    case 2:
      return item.value === '' ? [] : item.value.split(',').map((v) => v.trim());
    default:
      return item.value;
  }
}

/** JSON Pointer of an item (RFC 6901 escaping). */
function pointer(name: string): string {
  return `/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/** `createMetadata`: a new container holding the items with modOp Add that match it. */
export async function createMetadata(
  ctx: BoxContext,
  id: string,
  scope: string,
  schema: string,
  signal: AbortSignal,
): Promise<void> {
  const ref = existing(id);
  const c = containerOf(scope, schema);
  const resourceId = formatId(ref.kind, ref.id);
  const chosen = checkedItems(ctx.client.metadata).filter((m) => m.modOp === 1 && applies(m, resourceId, c));
  const values: Record<string, unknown> = {};
  for (const m of chosen) {
    checkItemName(m.name, 'name');
    values[m.name] = encodeValue(m, c);
  }
  await ctx.api.json({
    method: 'POST',
    path: containerPath(ref, c),
    json: values,
    signal,
    subject: resourceId,
  });
  for (const m of chosen) m.modOp = 0;
}

/**
 * `listMetadata`: the items of one container, or of every container when scope and schema are both
 * empty (unlike the other metadata methods, where empty means global/properties), into the Metadata
 * collection (replaced), firing metadataList per item.
 */
export async function listMetadata(
  ctx: BoxContext,
  id: string,
  scope: string,
  schema: string,
  signal: AbortSignal,
): Promise<BoxMetadata[]> {
  const list = await fetchMetadata(ctx, existing(id), scope, schema, signal);
  publishPage(
    {
      get: () => ctx.client.metadata,
      set: (items) => {
        ctx.client.metadata = items;
      },
    },
    list,
    {
      continuing: false,
      accumulate: false,
      emit: (m) => ctx.client.emit('metadataList', metadataListEvent(m)),
    },
  );
  return list;
}

async function fetchMetadata(
  ctx: BoxContext,
  ref: BoxRef,
  scope: string,
  schema: string,
  signal: AbortSignal,
): Promise<BoxMetadata[]> {
  const api = ctx.api;
  const resourceId = formatId(ref.kind, ref.id);
  if (scope.trim() === '' && schema.trim() === '') {
    const all = await api.json<{ entries: WireMetadataInstance[] }>({
      method: 'GET',
      path: `/${itemPath(ref)}/metadata`,
      signal,
      subject: resourceId,
    });
    return all.entries.flatMap((instance) => metadataFromInstance(resourceId, instance));
  }
  const c = containerOf(scope, schema);
  const instance = await api.json<WireMetadataInstance>({
    method: 'GET',
    path: containerPath(ref, c),
    signal,
    subject: resourceId,
  });
  return metadataFromInstance(resourceId, instance);
}

/** The order of the items (MetadataUpdateOrder, or the collection's), skipping indices that do not exist. */
function ordered(items: readonly BoxMetadata[], order: string): readonly BoxMetadata[] {
  if (order.trim() === '') return items;
  return order
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((i) => Number.isInteger(i) && i >= 0 && i < items.length)
    .map((i) => items[i]!);
}

function operation(m: BoxMetadata, c: Container): WirePatchOperation {
  checkItemName(m.name, 'name');
  const path = pointer(m.name);
  const from = () => {
    checkItemName(m.sourceName, 'source name');
    return pointer(m.sourceName);
  };
  switch (m.modOp) {
    case 1:
      return { op: 'add', path, value: encodeValue(m, c) };
    case 2:
      return { op: 'replace', path, value: encodeValue(m, c) };
    case 3:
      return { op: 'copy', from: from(), path };
    case 4:
      return { op: 'move', from: from(), path };
    case 5:
      return { op: 'remove', path };
    case 6:
      return { op: 'test', path, value: encodeValue(m, c) };
    default:
      throw invalidArgument(`Metadata item ${m.name} has an unknown modOp ${m.modOp} (use 0 to 6).`);
  }
}

/**
 * `updateMetadata`: one JSON-Patch request with an operation per qualifying item, in collection order or
 * MetadataUpdateOrder. Box applies them in order and atomically. Error 701 when no item qualifies.
 */
export async function updateMetadata(
  ctx: BoxContext,
  id: string,
  scope: string,
  schema: string,
  signal: AbortSignal,
): Promise<void> {
  const ref = existing(id);
  const c = containerOf(scope, schema);
  const resourceId = formatId(ref.kind, ref.id);
  const chosen = ordered(checkedItems(ctx.client.metadata), ctx.settings.get('MetadataUpdateOrder')).filter(
    (m) => m.modOp !== 0 && applies(m, resourceId, c),
  );
  if (chosen.length === 0) {
    throw new CloudStorageError(
      BoxErrorCode.NoMetadataToUpdate,
      `No metadata item qualifies for updating /${c.scope}/${c.schema} of ${resourceId}: set modOp on the items to send, and leave their resourceId, containerScope and containerSchema empty or matching.`,
    );
  }
  const ops = chosen.map((m) => operation(m, c));
  await ctx.api.json({
    method: 'PUT',
    path: containerPath(ref, c),
    headers: { 'Content-Type': 'application/json-patch+json' },
    body: JSON.stringify(ops),
    signal,
    subject: resourceId,
  });
  for (const m of chosen) m.modOp = 0;
}

/** `deleteMetadata`: a whole container and its items. */
export async function deleteMetadata(
  ctx: BoxContext,
  id: string,
  scope: string,
  schema: string,
  signal: AbortSignal,
): Promise<void> {
  const ref = existing(id);
  const c = containerOf(scope, schema);
  await ctx.api.request({
    method: 'DELETE',
    path: containerPath(ref, c),
    signal,
    subject: formatId(ref.kind, ref.id),
  });
}
