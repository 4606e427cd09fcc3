import type { Router } from '../../core/index.js';
import { authed, type DriveCall, type DriveContext, sendResource } from '../context.js';
import { driveError } from '../errors.js';
import { EXPORT_FORMATS, IMPORT_FORMATS, MAX_IMPORT_SIZES } from '../formats.js';
import { userJson } from '../shapes.js';

/** `GET /drive/v3/about`: the user, the quota, the formats; Drive insists on `fields` here. */
export function installAboutRoutes(api: Router, ctx: DriveContext): void {
  api.get('/drive/v3/about', authed(ctx, about));
}

function about(call: DriveCall) {
  const { req, ctx, me } = call;
  if (!req.query.get('fields'))
    throw driveError(400, 'required', "The 'fields' parameter is required for this method.", {
      location: 'fields',
      locationType: 'parameter',
    });
  const { state } = ctx;
  const usage = state.usage(me);
  const limit = state.settings.storageLimit;
  const body = {
    kind: 'drive#about',
    user: userJson(state, me.emailAddress, me),
    storageQuota: {
      ...(limit === undefined ? {} : { limit: String(limit) }),
      usage: String(usage.usage),
      usageInDrive: String(usage.inDrive),
      usageInDriveTrash: String(usage.inTrash),
    },
    importFormats: IMPORT_FORMATS,
    exportFormats: EXPORT_FORMATS,
    maxImportSizes: Object.fromEntries(Object.entries(MAX_IMPORT_SIZES).map(([k, v]) => [k, String(v)])),
    maxUploadSize: String(state.settings.maxUploadSize),
    appInstalled: false,
    folderColorPalette: [
      '#ac725e',
      '#d06b64',
      '#f83a22',
      '#fa573c',
      '#ff7537',
      '#ffad46',
      '#42d692',
      '#16a765',
      '#7bd148',
      '#b3dc6c',
      '#fbe983',
      '#fad165',
      '#92e1c0',
      '#9fe1e7',
      '#9fc6e7',
      '#4986e7',
      '#9a9cff',
      '#b99aff',
      '#c2c2c2',
      '#cabdbf',
      '#cca6ac',
      '#f691b2',
      '#cd74e6',
      '#a47ae2',
    ],
    driveThemes: [
      {
        id: 'abacus',
        backgroundImageLink: 'https://ssl.gstatic.com/team_drive_themes/abacus_bg.jpg',
        colorRgb: '#795548',
      },
    ],
    canCreateDrives: true,
    canCreateTeamDrives: true,
  };
  sendResource(call, body, 'About', undefined);
}
