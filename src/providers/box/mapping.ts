import { formatId } from './ids.js';
import type {
  BoxAccount,
  BoxMetadata,
  BoxMetadataValueTypeValue,
  BoxResource,
  BoxSharedLinkAccessValue,
  BoxSyncStateValue,
  MetadataListEvent,
  ResourceListEvent,
} from './types.js';
import type { WireFileVersion, WireItem, WireMetadataInstance, WireUser } from './wire.js';

/** A blank resource (what growing `resourceCount` adds). */
export function emptyResource(): BoxResource {
  return {
    id: '',
    name: '',
    description: '',
    parentId: '',
    tags: '',
    syncState: 0,
    type: 0,
    size: 0,
    createdTime: '',
    modifiedTime: '',
    trashedTime: '',
    createdBy: '',
    modifiedBy: '',
    owner: '',
    eTag: '',
    hash: '',
    versionId: '',
    trashed: false,
    sharedLink: '',
    sharedLinkAccess: 0,
    sharedLinkProtected: false,
    clientCreatedTime: '',
    clientModifiedTime: '',
    expirationTime: '',
    purgeTime: '',
    sharedLinkCanDownload: false,
    sharedLinkDownloadUrl: '',
    sharedLinkExpiration: '',
  };
}

export function emptyMetadata(): BoxMetadata {
  return {
    name: '',
    value: '',
    valueType: 0,
    modOp: 0,
    sourceName: '',
    containerScope: '',
    containerSchema: '',
    resourceId: '',
  };
}

export function emptyAccount(): BoxAccount {
  return {
    address: '',
    createdTime: '',
    email: '',
    enterpriseId: '',
    id: '',
    modifiedTime: '',
    name: '',
    phone: '',
    role: 0,
    status: 0,
    tags: '',
    totalSpace: -1,
    usedSpace: -1,
  };
}

const SYNC_STATES: Record<string, BoxSyncStateValue> = { synced: 1, not_synced: 2, partially_synced: 3 };
const LINK_ACCESS: Record<string, BoxSharedLinkAccessValue> = { open: 0, company: 1, collaborators: 2 };

/** A Box file or folder as a resource of the collection. */
export function resourceFromItem(item: WireItem): BoxResource {
  const isFile = item.type === 'file';
  const link = item.shared_link ?? undefined;
  return {
    id: formatId(item.type, item.id),
    name: item.name ?? '',
    description: item.description ?? '',
    parentId: item.parent ? formatId('folder', item.parent.id) : '',
    tags: (item.tags ?? []).join(','),
    syncState: !isFile && item.sync_state ? (SYNC_STATES[item.sync_state] ?? 0) : 0,
    type: isFile ? 0 : 1,
    size: Number(item.size ?? 0),
    createdTime: item.created_at ?? '',
    modifiedTime: item.modified_at ?? '',
    trashedTime: item.trashed_at ?? '',
    createdBy: item.created_by?.login ?? '',
    modifiedBy: item.modified_by?.login ?? '',
    owner: item.owned_by?.login ?? '',
    eTag: item.etag ?? '',
    hash: isFile ? (item.sha1 ?? item.file_version?.sha1 ?? '') : '',
    versionId: isFile ? (item.file_version?.id ?? '') : '',
    trashed: item.item_status === 'trashed' || (item.item_status === undefined && !!item.trashed_at),
    sharedLink: link?.url ?? '',
    sharedLinkAccess: link?.access ? (LINK_ACCESS[link.access] ?? 0) : 0,
    sharedLinkProtected: link?.is_password_enabled ?? false,
    clientCreatedTime: item.content_created_at ?? '',
    clientModifiedTime: item.content_modified_at ?? '',
    expirationTime: item.expires_at ?? '',
    purgeTime: item.purged_at ?? '',
    sharedLinkCanDownload: link?.permissions?.can_download ?? false,
    sharedLinkDownloadUrl: link?.download_url ?? '',
    sharedLinkExpiration: link?.unshared_at ?? '',
  };
}

/**
 * A previous version of a file, as listVersions reports it: Box gives only these fields; `id` is the file's
 * id (for convenience, as the reference does) and `versionId` the version's.
 */
export function resourceFromVersion(fileId: string, v: WireFileVersion): BoxResource {
  return {
    ...emptyResource(),
    id: fileId,
    name: v.name ?? '',
    type: 0,
    size: Number(v.size ?? 0),
    createdTime: v.created_at ?? '',
    modifiedTime: v.modified_at ?? '',
    modifiedBy: v.modified_by?.login ?? '',
    hash: v.sha1 ?? '',
    versionId: v.id,
    trashed: !!v.trashed_at,
    trashedTime: v.trashed_at ?? '',
  };
}

export function resourceListEvent(r: BoxResource): ResourceListEvent {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    resourceType: r.type,
    createdTime: r.createdTime,
    modifiedTime: r.modifiedTime,
    size: r.size,
    versionId: r.versionId,
    eTag: r.eTag,
    hash: r.hash,
    trashed: r.trashed,
    sharedLink: r.sharedLink,
  };
}

const ROLES: Record<string, number> = { user: 0, coadmin: 1, admin: 2 };
const STATUSES: Record<string, number> = {
  active: 0,
  inactive: 1,
  cannot_delete_edit: 2,
  cannot_delete_edit_upload: 3,
};

/** `on_metadata_list`. */
export function metadataListEvent(m: BoxMetadata): MetadataListEvent {
  return {
    name: m.name,
    value: m.value,
    valueType: m.valueType,
    containerScope: m.containerScope,
    containerSchema: m.containerSchema,
    resourceId: m.resourceId,
  };
}

export function accountFromUser(u: WireUser): BoxAccount {
  return {
    address: u.address ?? '',
    createdTime: u.created_at ?? '',
    email: u.login ?? '',
    enterpriseId: u.enterprise?.id ?? '',
    id: u.id,
    modifiedTime: u.modified_at ?? '',
    name: u.name ?? '',
    phone: u.phone ?? '',
    role: ROLES[u.role ?? 'user'] ?? 0,
    status: STATUSES[u.status ?? 'active'] ?? 0,
    tags: (u.my_tags ?? []).join(','),
    totalSpace: u.space_amount ?? -1,
    usedSpace: u.space_used ?? -1,
  };
}

/** The items of a metadata instance (its `$` system keys left out). */
export function metadataFromInstance(resourceId: string, instance: WireMetadataInstance): BoxMetadata[] {
  const out: BoxMetadata[] = [];
  for (const [name, raw] of Object.entries(instance)) {
    if (name.startsWith('$')) continue;
    let value: string;
    let valueType: BoxMetadataValueTypeValue = 0;
    if (Array.isArray(raw)) {
      value = raw.map(String).join(',');
      valueType = 2;
    } else if (typeof raw === 'number') {
      value = String(raw);
      valueType = 1;
    } else if (raw === null || raw === undefined) {
      value = '';
    } else {
      value = typeof raw === 'string' ? raw : JSON.stringify(raw);
    }
    out.push({
      name,
      value,
      valueType,
      modOp: 0,
      sourceName: '',
      containerScope: instance.$scope ?? '',
      containerSchema: instance.$template ?? '',
      resourceId,
    });
  }
  return out;
}
