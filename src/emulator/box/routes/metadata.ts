import { randomUUID } from 'node:crypto';
import type { Router } from '../../core/index.js';
import { type BoxCall, type BoxContext, readJsonObject, route, sendBox, sendEmpty } from '../context.js';
import { badRequest, boxError, notFound } from '../errors.js';
import { applyPatch, JsonPatchError, parsePatch } from '../json-patch.js';
import type { ItemRecord, MetadataInstance } from '../model.js';

export type FieldType = 'string' | 'float' | 'date' | 'enum' | 'multiSelect';

export interface TemplateField {
  id: string;
  type: FieldType;
  key: string;
  displayName: string;
  description?: string;
  hidden: boolean;
  options?: Array<{ id: string; key: string }>;
}

export interface MetadataTemplate {
  id: string;
  /** `global` or `enterprise` (the path spelling); rendered `enterprise_<id>`. */
  scope: 'global' | 'enterprise';
  templateKey: string;
  displayName: string;
  hidden: boolean;
  copyInstanceOnItemCopy: boolean;
  /** Undefined for `global/properties`, which takes any keys. */
  fields: TemplateField[] | undefined;
}

const FIELD_TYPES = new Set(['string', 'float', 'date', 'enum', 'multiSelect']);

/**
 * Metadata: enterprise templates (minimal create/get/list/delete, enough to type-check values),
 * the free-form `global/properties` template, and instances on files and folders (list, get, create,
 * JSON-Patch update applied atomically and in order, delete) with Box's `$` system keys.
 */
export class MetadataService {
  readonly templates = new Map<string, MetadataTemplate>();

  constructor(private readonly ctx: BoxContext) {
    this.templates.set('global/properties', {
      id: randomUUID(),
      scope: 'global',
      templateKey: 'properties',
      displayName: 'Properties',
      hidden: false,
      copyInstanceOnItemCopy: true,
      fields: undefined,
    });
  }

  install(api: Router): void {
    const ctx = this.ctx;
    route(api, ctx, 'POST', '/2.0/metadata_templates/schema', (c) => this.createTemplate(c));
    route(api, ctx, 'GET', '/2.0/metadata_templates/enterprise', (c) => this.listTemplates(c, 'enterprise'));
    route(api, ctx, 'GET', '/2.0/metadata_templates/global', (c) => this.listTemplates(c, 'global'));
    route(api, ctx, 'GET', '/2.0/metadata_templates/:scope/:key/schema', (c) => this.getTemplate(c));
    route(api, ctx, 'DELETE', '/2.0/metadata_templates/:scope/:key/schema', (c) => this.deleteTemplate(c));
    route(api, ctx, 'GET', '/2.0/metadata_templates/:id', (c) => this.getTemplateById(c));
    for (const kind of ['files', 'folders'] as const) {
      const type = kind === 'files' ? 'file' : 'folder';
      route(api, ctx, 'GET', `/2.0/${kind}/:id/metadata`, (c) => this.list(c, type));
      route(api, ctx, 'GET', `/2.0/${kind}/:id/metadata/:scope/:key`, (c) => this.get(c, type));
      route(api, ctx, 'POST', `/2.0/${kind}/:id/metadata/:scope/:key`, (c) => this.create(c, type));
      route(api, ctx, 'PUT', `/2.0/${kind}/:id/metadata/:scope/:key`, (c) => this.update(c, type));
      route(api, ctx, 'DELETE', `/2.0/${kind}/:id/metadata/:scope/:key`, (c) => this.remove(c, type));
    }
  }

  // ---- templates -------------------------------------------------------------------------------------

  private renderScope(scope: 'global' | 'enterprise'): string {
    return scope === 'global' ? 'global' : `enterprise_${this.ctx.store.enterprise.id}`;
  }

  templateJson(t: MetadataTemplate): Record<string, unknown> {
    return {
      id: t.id,
      type: 'metadata_template',
      scope: this.renderScope(t.scope),
      templateKey: t.templateKey,
      displayName: t.displayName,
      hidden: t.hidden,
      fields: (t.fields ?? []).map((f) => ({
        id: f.id,
        type: f.type,
        key: f.key,
        displayName: f.displayName,
        ...(f.description !== undefined ? { description: f.description } : {}),
        hidden: f.hidden,
        ...(f.options ? { options: f.options.map((o) => ({ id: o.id, key: o.key })) } : {}),
      })),
      copyInstanceOnItemCopy: t.copyInstanceOnItemCopy,
    };
  }

  /** `global`, `enterprise` and `enterprise_<id>` name the two scopes; anything else is a 400. */
  private pathScope(raw: string): 'global' | 'enterprise' {
    if (raw === 'global') return 'global';
    if (raw === 'enterprise' || raw === `enterprise_${this.ctx.store.enterprise.id}`) return 'enterprise';
    throw badRequest('The scope must be global or enterprise');
  }

  private async createTemplate(c: BoxCall): Promise<void> {
    const body = await readJsonObject(c.req);
    if (body.scope === 'global')
      throw boxError(403, 'forbidden', 'Templates cannot be created in the global scope');
    if (body.scope !== 'enterprise') throw badRequest('scope must be enterprise');
    if (typeof body.displayName !== 'string' || body.displayName === '')
      throw badRequest('displayName is required');
    const templateKey =
      typeof body.templateKey === 'string' && body.templateKey ? body.templateKey : keyFrom(body.displayName);
    if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(templateKey)) throw badRequest('templateKey is not valid');
    if (this.templates.has(`enterprise/${templateKey}`)) {
      throw badRequest(`A template with the key ${templateKey} already exists`);
    }
    const rawFields = body.fields ?? [];
    if (!Array.isArray(rawFields)) throw badRequest('fields must be an array');
    const keys = new Set<string>();
    const fields = rawFields.map((raw, i): TemplateField => {
      const f = raw as Record<string, unknown>;
      if (typeof f !== 'object' || f === null) throw badRequest(`fields[${i}] must be an object`);
      if (!FIELD_TYPES.has(f.type as string)) throw badRequest(`fields[${i}].type is not supported`);
      if (typeof f.key !== 'string' || f.key === '' || f.key.startsWith('$'))
        throw badRequest(`fields[${i}].key is not valid`);
      if (keys.has(f.key)) throw badRequest(`fields[${i}].key is used twice`);
      keys.add(f.key);
      if (typeof f.displayName !== 'string') throw badRequest(`fields[${i}].displayName is required`);
      const type = f.type as FieldType;
      let options: TemplateField['options'];
      if (type === 'enum' || type === 'multiSelect') {
        if (!Array.isArray(f.options) || f.options.length === 0)
          throw badRequest(`fields[${i}].options is required`);
        options = f.options.map((o: unknown) => {
          const key = (o as Record<string, unknown>)?.key;
          if (typeof key !== 'string') throw badRequest(`fields[${i}].options need a key`);
          return { id: randomUUID(), key };
        });
      }
      return {
        id: randomUUID(),
        type,
        key: f.key,
        displayName: f.displayName,
        ...(typeof f.description === 'string' ? { description: f.description } : {}),
        hidden: f.hidden === true,
        ...(options ? { options } : {}),
      };
    });
    const template: MetadataTemplate = {
      id: randomUUID(),
      scope: 'enterprise',
      templateKey,
      displayName: body.displayName,
      hidden: body.hidden === true,
      copyInstanceOnItemCopy: body.copyInstanceOnItemCopy === true,
      fields,
    };
    this.templates.set(`enterprise/${templateKey}`, template);
    sendBox(c.res, 201, this.templateJson(template));
  }

  private template(scopeRaw: string, key: string): MetadataTemplate | undefined {
    return this.templates.get(`${this.pathScope(scopeRaw)}/${key}`);
  }

  private getTemplate(c: BoxCall): void {
    const t = this.template(c.req.params.scope!, c.req.params.key!);
    if (!t) throw notFound('Template not found');
    sendBox(c.res, 200, this.templateJson(t));
  }

  private getTemplateById(c: BoxCall): void {
    const t = [...this.templates.values()].find((x) => x.id === c.req.params.id);
    if (!t) throw notFound('Template not found');
    sendBox(c.res, 200, this.templateJson(t));
  }

  private listTemplates(c: BoxCall, scope: 'global' | 'enterprise'): void {
    const entries = [...this.templates.values()]
      .filter((t) => t.scope === scope)
      .map((t) => this.templateJson(t));
    sendBox(c.res, 200, { entries, limit: 100, next_marker: null, prev_marker: null });
  }

  private deleteTemplate(c: BoxCall): void {
    const scope = this.pathScope(c.req.params.scope!);
    const key = c.req.params.key!;
    if (scope === 'global') throw boxError(403, 'forbidden', 'Global templates cannot be deleted');
    if (!this.templates.delete(`${scope}/${key}`)) throw notFound('Template not found');
    for (const store of this.ctx.allStores()) {
      for (const item of store.items.values()) item.metadata.delete(`${scope}/${key}`);
    }
    sendEmpty(c.res, 204);
  }

  // ---- instances -------------------------------------------------------------------------------------

  private item(c: BoxCall, type: 'file' | 'folder'): ItemRecord {
    return c.ctx.store.active(type, c.req.params.id!);
  }

  private list(c: BoxCall, type: 'file' | 'folder'): void {
    const item = this.item(c, type);
    const entries = [...item.metadata.values()].map((m) => c.ctx.shapes.metadataInstance(item, m));
    sendBox(c.res, 200, { entries, limit: 100 });
  }

  private instance(c: BoxCall, item: ItemRecord): { key: string; instance: MetadataInstance } {
    const key = `${this.pathScope(c.req.params.scope!)}/${c.req.params.key!}`;
    const instance = item.metadata.get(key);
    if (!instance) throw boxError(404, 'instance_not_found', 'Instance not found');
    return { key, instance };
  }

  private get(c: BoxCall, type: 'file' | 'folder'): void {
    const item = this.item(c, type);
    const { instance } = this.instance(c, item);
    sendBox(c.res, 200, c.ctx.shapes.metadataInstance(item, instance));
  }

  private async create(c: BoxCall, type: 'file' | 'folder'): Promise<void> {
    const item = this.item(c, type);
    const scope = this.pathScope(c.req.params.scope!);
    const templateKey = c.req.params.key!;
    const template = this.templates.get(`${scope}/${templateKey}`);
    if (!template) throw boxError(404, 'instance_tuple_not_found', 'Template not found');
    const values = await readJsonObject(c.req);
    if (item.metadata.has(`${scope}/${templateKey}`)) {
      throw boxError(409, 'tuple_already_exists', 'Instance already exists on this item');
    }
    validateValues(template, values);
    const instance: MetadataInstance = {
      id: randomUUID(),
      scope: this.renderScope(scope),
      templateKey,
      type: `${templateKey}-${template.id}`,
      typeVersion: 0,
      version: 0,
      values,
    };
    item.metadata.set(`${scope}/${templateKey}`, instance);
    c.ctx.store.touch(item);
    sendBox(c.res, 201, c.ctx.shapes.metadataInstance(item, instance));
  }

  private async update(c: BoxCall, type: 'file' | 'folder'): Promise<void> {
    const item = this.item(c, type);
    const { key, instance } = this.instance(c, item);
    const template = this.templates.get(key);
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text(1024 * 1024));
    } catch {
      throw badRequest('The request body format is not an array of valid JSON Patch objects');
    }
    let values: Record<string, unknown>;
    try {
      values = applyPatch(instance.values, parsePatch(body));
    } catch (e) {
      if (e instanceof JsonPatchError) throw badRequest(e.message);
      throw e;
    }
    if (template) validateValues(template, values);
    instance.values = values;
    instance.version++;
    c.ctx.store.touch(item);
    sendBox(c.res, 200, c.ctx.shapes.metadataInstance(item, instance));
  }

  private remove(c: BoxCall, type: 'file' | 'folder'): void {
    const item = this.item(c, type);
    const { key } = this.instance(c, item);
    item.metadata.delete(key);
    c.ctx.store.touch(item);
    sendEmpty(c.res, 204);
  }
}

/** A template key from a display name, as Box derives it: camelCase of the words. */
function keyFrom(displayName: string): string {
  const words = displayName
    .replace(/[^A-Za-z0-9]+/g, ' ')
    .trim()
    .split(' ');
  const key = words
    .map((w, i) => (i === 0 ? w.toLowerCase() : w.charAt(0).toUpperCase() + w.slice(1)))
    .join('');
  return /^[A-Za-z]/.test(key) ? key : `t${key}`;
}

/** Values must match the template's fields and types (Box's 400 `schema_validation_failed`). */
function validateValues(template: MetadataTemplate, values: Record<string, unknown>): void {
  const fail = (message: string) => boxError(400, 'schema_validation_failed', message);
  for (const [key, value] of Object.entries(values)) {
    if (key.startsWith('$')) throw fail(`Keys starting with $ are reserved: ${key}`);
    if (!template.fields) {
      if (value !== null && typeof value === 'object')
        throw fail(`Value of ${key} must be a string or number`);
      continue;
    }
    const field = template.fields.find((f) => f.key === key);
    if (!field) throw fail(`${key} is not a field of template ${template.templateKey}`);
    const optionKeys = new Set(field.options?.map((o) => o.key));
    switch (field.type) {
      case 'string':
        if (typeof value !== 'string') throw fail(`${key} must be a string`);
        break;
      case 'float':
        if (typeof value !== 'number' || !Number.isFinite(value)) throw fail(`${key} must be a number`);
        break;
      case 'date':
        if (
          typeof value !== 'string' ||
          !/^\d{4}-\d{2}-\d{2}T/.test(value) ||
          Number.isNaN(Date.parse(value))
        ) {
          throw fail(`${key} must be an RFC 3339 date-time`);
        }
        break;
      case 'enum':
        if (typeof value !== 'string' || !optionKeys.has(value))
          throw fail(`${key} must be one of its options`);
        break;
      case 'multiSelect':
        if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || !optionKeys.has(v))) {
          throw fail(`${key} must be a list of its options`);
        }
        break;
    }
  }
}
