import { randomBytes } from 'node:crypto';
import type {
  AccessLink,
  ConversionGoal,
  CreatedOAuthClient,
  Domain,
  EmailReport,
  Member,
  OAuthClient,
} from '@pirsch-node/core';
import type { RouteResult } from './api-routes.js';
import { parseRegex } from './linear-regex.js';
import type { EmulatorStore } from './store.js';

/** The ID of the domain every emulator starts with; hits count towards it unless a created domain has their hostname. */
export const DEFAULT_DOMAIN_ID = 'emulator-domain';

/** Settings of a domain the current document has and the 2022 one (core's `Domain`) did not. */
export interface DomainExtras {
  organization_id: string | null;
  display_name: string;
  active_visitors_seconds: number;
  disable_scripts: boolean;
  statistics_start: string | null;
  imported_statistics: boolean;
  metadata: Record<string, unknown>;
  theme_id: string | null;
  theme: Record<string, unknown>;
  custom_domain: string | null;
  settings: Record<string, boolean>;
  theme_settings: Record<string, unknown>;
  pinned: boolean;
  subscription_active: boolean;
  start_week_sunday: boolean;
  noindex: boolean;
  traffic_spike_notifications: boolean;
  traffic_spike_threshold: number;
  traffic_warning: boolean;
  traffic_warning_threshold_days: number;
}

/** A domain as the emulator keeps it. */
export type EmulatorDomain = Domain & DomainExtras;

/**
 * A domain as the API answers it: the document's domain object has no week start, noindex or
 * traffic notification fields (the toggles set them, nothing reads them back), so they stay inside.
 */
export function domainAnswer(domain: EmulatorDomain): Domain & Omit<DomainExtras, HiddenDomainField> {
  const { start_week_sunday: _week, noindex: _noindex, traffic_spike_notifications: _spike, traffic_spike_threshold: _spikeAt, traffic_warning: _warning, traffic_warning_threshold_days: _warnAfter, ...answer } = domain;
  return answer;
}

type HiddenDomainField = 'start_week_sunday' | 'noindex' | 'traffic_spike_notifications' | 'traffic_spike_threshold' | 'traffic_warning' | 'traffic_warning_threshold_days';

/** Conversion goal fields of the current document (events, tags, custom metrics). */
export interface GoalExtras {
  tags: string[];
  event_name: string | null;
  event_meta_key: string | null;
  event_meta_value: string | null;
  custom_metric_key: string | null;
  custom_metric_type: 'integer' | 'float' | null;
  custom_metric_total_goal: number | null;
  custom_metric_avg_goal: number | null;
}

/** The filter of a funnel step, as the document lists it: arrays are OR'ed, the fields AND'ed. */
export interface FunnelStepFilter {
  path?: string[];
  entry_path?: string[];
  exit_path?: string[];
  path_pattern?: string[];
  path_regex?: string[];
  language?: string[];
  country?: string[];
  region?: string[];
  city?: string[];
  referrer?: string[];
  referrer_name?: string[];
  os?: string[];
  os_version?: string[];
  browser?: string[];
  browser_version?: string[];
  platform?: string;
  screen_class?: string[];
  utm_source?: string[];
  utm_medium?: string[];
  utm_campaign?: string[];
  utm_content?: string[];
  utm_term?: string[];
  tags?: Record<string, string>;
  tag?: string[];
  event_name?: string[];
  event_meta_key?: string[];
  event_meta?: Record<string, string>;
}

/** A stored object of the account: its ID, times and domain. */
export interface DomainObject {
  id: string;
  def_time: string;
  mod_time: string;
  domain_id: string;
}

export interface Funnel extends DomainObject {
  name: string;
  steps: Array<{ id: string; def_time: string; mod_time: string; funnel_id: string; name: string; step: number; filter: FunnelStepFilter }>;
}

/** The emulator's account: domains and what belongs to them, kept in memory. */
export interface ManagementState {
  domains: EmulatorDomain[];
  accessLinks: AccessLink[];
  members: Member[];
  /** Clients with their secrets (the list route leaves the secret out). */
  clients: CreatedOAuthClient[];
  reports: EmailReport[];
  goals: Array<ConversionGoal & GoalExtras>;
  funnels: Funnel[];
  webhooks: Array<DomainObject & Record<string, unknown>>;
  filters: Array<DomainObject & Record<string, unknown>>;
  alternatives: Array<DomainObject & { hostname: string }>;
  snippets: Array<DomainObject & Record<string, unknown>>;
  views: Array<DomainObject & Record<string, unknown>>;
  invitations: Array<DomainObject & { email: string; organization_id: null }>;
  /** Counter behind the IDs it hands out (`goal-1`, `report-2`, ...). */
  lastId: number;
}

const states = new WeakMap<EmulatorStore, ManagementState>();

const OWNER = { id: 'emulator-user', email: 'owner@example.com', full_name: 'Emulator Owner', picture: '' };

export function now(): string {
  return new Date().toISOString();
}

export function secret(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

export function nextId(state: ManagementState, kind: string): string {
  state.lastId += 1;
  return `${kind}-${state.lastId}`;
}

function ownerMember(state: ManagementState, domainId: string, time: string): Member {
  return {
    id: nextId(state, 'member'),
    def_time: time,
    mod_time: time,
    user_id: OWNER.id,
    domain_id: domainId,
    role: 'owner',
    user: { ...OWNER },
  };
}

function initialState(): ManagementState {
  const time = now();
  const state: ManagementState = {
    domains: [],
    accessLinks: [],
    members: [],
    clients: [],
    reports: [],
    goals: [],
    funnels: [],
    webhooks: [],
    filters: [],
    alternatives: [],
    snippets: [],
    views: [],
    invitations: [],
    lastId: 0,
  };
  state.domains.push({
    ...domainExtras({}),
    id: DEFAULT_DOMAIN_ID,
    def_time: time,
    mod_time: time,
    user_id: OWNER.id,
    hostname: 'example.com',
    subdomain: 'emulator',
    identification_code: secret(16),
    public: false,
    google_user_id: null,
    google_user_email: null,
    gsc_domain: null,
    new_owner: null,
    timezone: 'UTC',
    group_by_title: false,
    user_role: 'Owner',
  });
  state.members.push(ownerMember(state, DEFAULT_DOMAIN_ID, time));
  return state;
}

/**
 * The management state of an emulator store, created on first use with the default domain
 * (`emulator-domain`, hostname `example.com`) and its owner.
 */
export function managementState(store: EmulatorStore): ManagementState {
  let state = states.get(store);
  if (!state) {
    state = initialState();
    states.set(store, state);
  }
  return state;
}

/** Forgets every domain, goal, report, ... of the store and starts again with the default domain. */
export function resetManagement(store: EmulatorStore): void {
  states.delete(store);
}

/** The current document's domain settings, from a create body where it gives them. */
function domainExtras(body: Record<string, unknown>): DomainExtras {
  const flag = (field: string) => body[field] === true;
  const count = (field: string, fallback: number) => (typeof body[field] === 'number' && Number.isInteger(body[field]) && (body[field] as number) >= 0 ? (body[field] as number) : fallback);
  return {
    organization_id: null,
    display_name: typeof body.display_name === 'string' ? body.display_name : '',
    active_visitors_seconds: count('active_visitors_seconds', 0) || 600,
    disable_scripts: flag('disable_scripts'),
    statistics_start: null,
    imported_statistics: false,
    metadata: {},
    theme_id: null,
    theme: {},
    custom_domain: null,
    settings: booleanSettings(body.settings) ?? {},
    theme_settings: {},
    pinned: false,
    subscription_active: true,
    start_week_sunday: false,
    noindex: false,
    traffic_spike_notifications: false,
    traffic_spike_threshold: count('traffic_spike_threshold', 0),
    traffic_warning: false,
    traffic_warning_threshold_days: count('traffic_warning_threshold_days', 0),
  };
}

/** A settings object: keys to booleans. Undefined when it is something else. */
export function booleanSettings(value: unknown): Record<string, boolean> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const entries = Object.entries(value);
  return entries.every(([, entry]) => typeof entry === 'boolean') ? (Object.fromEntries(entries) as Record<string, boolean>) : undefined;
}

// --- answers --------------------------------------------------------------------------------

export const ok = (body?: unknown): RouteResult => ({ status: 200, body });

/** A 400 with the API's error shape. */
export function invalid(validation: Record<string, string>): RouteResult {
  return { status: 400, body: { validation, error: [] } };
}

/** A 404 with the API's error shape. */
export function notFound(what: string): RouteResult {
  return { status: 404, body: { validation: {}, error: [`${what} not found`] } };
}

export function methodNotAllowed(): RouteResult {
  return { status: 405, body: { validation: {}, error: ['method not allowed'] } };
}

// --- reading bodies ---------------------------------------------------------------------------

export type Body = Record<string, unknown>;

export function asBody(body: unknown): Body {
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Body) : {};
}

export function text(body: Body, field: string): string | undefined {
  const value = body[field];
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

export function isTimezone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const EMAIL = /^[^@\s]+@[^@\s]+$/;
/** A bare hostname: labels of letters, digits and hyphens (no scheme, port or path). */
export const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

export function emails(body: Body): string[] | undefined {
  const value = body.emails;
  if (!Array.isArray(value) || value.length === 0) return undefined;
  return value.every((email) => typeof email === 'string' && EMAIL.test(email)) ? (value as string[]) : undefined;
}

/** `/checkout/**` to `(?i)^/checkout/.*$`: `**` is any rest of the path, `*` one segment. */
export function patternFromPathPattern(pathPattern: string): string {
  const escaped = pathPattern
    .split('**')
    .map((part) =>
      part
        .split('*')
        .map((piece) => piece.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]+'),
    )
    .join('.*');
  return `(?i)^${escaped}$`;
}

// --- routes ---------------------------------------------------------------------------------

export function withDomain(state: ManagementState, domainId: string | undefined, field: string, then: (domain: EmulatorDomain) => RouteResult): RouteResult {
  if (!domainId) return invalid({ [field]: 'the domain ID is required' });
  const domain = state.domains.find((candidate) => candidate.id === domainId);
  return domain ? then(domain) : notFound('domain');
}

/** The items of a domain, for the list routes (`?<param>=<domain id>`). */
export function listOfDomain<T extends { domain_id: string }>(
  state: ManagementState,
  list: T[],
  url: URL,
  param: string,
  show: (item: T) => unknown = (item) => item,
): RouteResult {
  return withDomain(state, url.searchParams.get(param) ?? undefined, param, (domain) =>
    ok(list.filter((item) => item.domain_id === domain.id).map(show)),
  );
}

/** Finds an item by the body's `id` for the update routes: 400 without an id, 404 for an unknown one. */
export function byId<T extends { id: string }>(list: T[], body: Body, what: string, then: (item: T) => RouteResult): RouteResult {
  const id = text(body, 'id');
  if (!id) return invalid({ id: 'required' });
  const item = list.find((candidate) => candidate.id === id);
  return item ? then(item) : notFound(what);
}

/** A new object's id and times. */
export function stamp(state: ManagementState, kind: string): { id: string; def_time: string; mod_time: string } {
  const time = now();
  return { id: nextId(state, kind), def_time: time, mod_time: time };
}

export function remove<T extends { id: string }>(list: T[], id: string | null, what: string): RouteResult {
  if (!id) return invalid({ id: 'required' });
  const index = list.findIndex((item) => item.id === id);
  if (index < 0) return notFound(what);
  list.splice(index, 1);
  return ok();
}

function domains(state: ManagementState, method: string, url: URL, body: Body): RouteResult {
  switch (method) {
    case 'GET': {
      const params = url.searchParams;
      const search = params.get('search')?.toLowerCase();
      return ok(
        state.domains.filter(
          (domain) =>
            (!params.get('id') || domain.id === params.get('id')) &&
            (!params.get('subdomain') || domain.subdomain === params.get('subdomain')) &&
            (!params.get('domain') || domain.custom_domain === params.get('domain')) &&
            (!search || domain.hostname.toLowerCase().includes(search)),
        ).map(domainAnswer),
      );
    }
    case 'POST': {
      const hostname = text(body, 'hostname');
      const subdomain = text(body, 'subdomain');
      const timezone = text(body, 'timezone') ?? 'UTC';
      const validation: Record<string, string> = {};
      if (!hostname) validation.hostname = 'the hostname is required';
      if (!subdomain) validation.subdomain = 'the subdomain is required';
      else if (state.domains.some((domain) => domain.subdomain === subdomain)) validation.subdomain = 'the subdomain is already taken';
      if (!isTimezone(timezone)) validation.timezone = 'unknown time zone';
      if (Object.keys(validation).length > 0 || !hostname || !subdomain) return invalid(validation);
      const time = now();
      const domain: EmulatorDomain = {
        ...domainExtras(body),
        id: nextId(state, 'domain'),
        def_time: time,
        mod_time: time,
        user_id: OWNER.id,
        hostname,
        subdomain,
        identification_code: secret(16),
        public: false,
        google_user_id: null,
        google_user_email: null,
        gsc_domain: null,
        new_owner: null,
        timezone,
        group_by_title: body.group_by_title === true,
        user_role: 'Owner',
      };
      domain.public = body.public === true;
      state.domains.push(domain);
      state.members.push(ownerMember(state, domain.id, time));
      return ok(domainAnswer(domain));
    }
    case 'PUT':
      return withDomain(state, text(body, 'id'), 'id', (domain) => {
        domain.identification_code = secret(16);
        domain.mod_time = now();
        return ok({ identification_code: domain.identification_code });
      });
    case 'DELETE': {
      const result = remove(state.domains, url.searchParams.get('id'), 'domain');
      if (result.status === 200) {
        const id = url.searchParams.get('id');
        const owned = [state.accessLinks, state.members, state.clients, state.reports, state.goals, state.funnels, state.webhooks, state.filters, state.alternatives, state.snippets, state.views, state.invitations];
        for (const list of owned as { domain_id: string }[][]) {
          for (let i = list.length - 1; i >= 0; i--) if (list[i]?.domain_id === id) list.splice(i, 1);
        }
      }
      return result;
    }
    default:
      return methodNotAllowed();
  }
}

/** `POST /api/v1/domain/<setting>` with `{ domain_id, ... }`. */
function domainSetting(state: ManagementState, setting: string, method: string, body: Body): RouteResult {
  if (method !== (setting === 'noindex' ? 'PUT' : 'POST')) return methodNotAllowed();
  return withDomain(state, text(body, 'domain_id'), 'domain_id', (domain) => {
    switch (setting) {
      case 'subdomain': {
        const subdomain = text(body, 'subdomain');
        if (!subdomain) return invalid({ subdomain: 'the subdomain is required' });
        if (state.domains.some((other) => other !== domain && other.subdomain === subdomain)) {
          return invalid({ subdomain: 'the subdomain is already taken' });
        }
        domain.subdomain = subdomain;
        break;
      }
      case 'public':
        domain.public = !domain.public;
        break;
      case 'title':
        domain.group_by_title = !domain.group_by_title;
        break;
      case 'timezone': {
        const timezone = text(body, 'timezone');
        if (!timezone || !isTimezone(timezone)) return invalid({ timezone: 'unknown time zone' });
        domain.timezone = timezone;
        break;
      }
      case 'hostname': {
        const hostname = text(body, 'hostname');
        if (!hostname || !HOSTNAME.test(hostname)) return invalid({ hostname: 'a hostname such as example.com is required' });
        domain.hostname = hostname;
        break;
      }
      case 'name':
        if (typeof body.display_name !== 'string') return invalid({ display_name: 'must be a string' });
        domain.display_name = body.display_name;
        break;
      case 'scripts':
        domain.disable_scripts = !domain.disable_scripts;
        break;
      case 'start-week-sunday':
        domain.start_week_sunday = !domain.start_week_sunday;
        break;
      case 'noindex':
        domain.noindex = !domain.noindex;
        break;
      case 'active': {
        const seconds = body.time;
        if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1) return invalid({ time: 'must be a whole number of seconds above 0' });
        domain.active_visitors_seconds = seconds;
        break;
      }
      case 'settings': {
        const settings = booleanSettings(body.settings);
        if (!settings) return invalid({ settings: 'must be an object of booleans' });
        domain.settings = { ...domain.settings, ...settings };
        break;
      }
      case 'metadata': {
        const metadata = body.metadata;
        if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) return invalid({ metadata: 'must be an object' });
        domain.metadata = metadata as Record<string, unknown>;
        break;
      }
      case 'custom': {
        const hostname = typeof body.hostname === 'string' ? body.hostname.trim() : undefined;
        if (hostname === undefined || (hostname !== '' && !HOSTNAME.test(hostname))) return invalid({ hostname: 'a hostname such as my-domain.com, or empty to remove it' });
        if (hostname && state.domains.some((other) => other !== domain && other.custom_domain === hostname)) return invalid({ hostname: 'the custom domain is already taken' });
        domain.custom_domain = hostname || null;
        break;
      }
    }
    domain.mod_time = now();
    return ok();
  });
}

function accessLinks(state: ManagementState, method: string, url: URL, body: Body): RouteResult {
  switch (method) {
    case 'GET':
      return listOfDomain(state, state.accessLinks, url, 'domain_id');
    case 'POST':
      return withDomain(state, text(body, 'domain_id'), 'domain_id', (domain) => {
        const link: AccessLink = {
          ...stamp(state, 'link'),
          domain_id: domain.id,
          code: secret(10),
          description: typeof body.description === 'string' ? body.description : '',
        };
        const until = validUntil(body);
        if (until === false) return invalid({ valid_until: 'must be an RFC 3339 time, or empty' });
        Object.assign(link, { valid_until: until });
        state.accessLinks.push(link);
        return ok(link);
      });
    case 'PUT':
      return byId(state.accessLinks, body, 'access link', (link) => {
        const until = validUntil(body);
        if (until === false) return invalid({ valid_until: 'must be an RFC 3339 time, or empty' });
        if (typeof body.description === 'string') link.description = body.description;
        Object.assign(link, { valid_until: until });
        link.mod_time = now();
        return ok();
      });
    case 'DELETE':
      return remove(state.accessLinks, url.searchParams.get('id'), 'access link');
    default:
      return methodNotAllowed();
  }
}

/** `valid_until` of an access link: a time, null when empty, false when it is not a time. */
function validUntil(body: Body): string | null | false {
  const value = body.valid_until;
  if (value === undefined || value === null || value === '') return null;
  return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? new Date(value).toISOString() : false;
}

function members(state: ManagementState, method: string, url: URL, body: Body): RouteResult {
  switch (method) {
    case 'GET':
      return listOfDomain(state, state.members, url, 'id');
    case 'POST':
      return withDomain(state, text(body, 'id'), 'id', (domain) => {
        const invited = emails(body);
        if (!invited) return invalid({ emails: 'a list of valid email addresses is required' });
        const time = now();
        for (const email of invited) {
          const known = state.members.some((member) => member.domain_id === domain.id && member.user.email === email);
          if (known) continue;
          state.invitations.push({ ...stamp(state, 'invitation'), domain_id: domain.id, email, organization_id: null });
          const userId = nextId(state, 'user');
          state.members.push({
            id: nextId(state, 'member'),
            def_time: time,
            mod_time: time,
            user_id: userId,
            domain_id: domain.id,
            role: 'viewer',
            user: { id: userId, email, full_name: '', picture: '' },
          });
        }
        return ok();
      });
    case 'PUT': {
      const role = text(body, 'role')?.toLowerCase();
      if (text(body, 'id') && role !== 'admin' && role !== 'viewer') return invalid({ role: 'the role must be admin or viewer' });
      return byId(state.members, body, 'member', (member) => {
        if (member.role === 'owner') return invalid({ role: 'the owner role can only change by a domain transfer' });
        member.role = role ?? member.role;
        member.mod_time = now();
        return ok();
      });
    }
    case 'DELETE': {
      const member = state.members.find((candidate) => candidate.id === url.searchParams.get('id'));
      if (member?.role === 'owner') return invalid({ id: 'the owner cannot be removed' });
      return remove(state.members, url.searchParams.get('id'), 'member');
    }
    default:
      return methodNotAllowed();
  }
}

const SCOPES: Record<string, string[]> = {
  scope_hit: ['', 'w'],
  scope_event: ['', 'w'],
  scope_session: ['', 'w'],
  scope_statistics: ['', 'r'],
  scope_domains: ['', 'r', 'w'],
  scope_organizations: ['', 'r', 'w'],
  scope_themes: ['', 'r', 'w'],
  scope_billing: ['', 'r'],
};

function withoutSecret({ client_secret: _secret, ...client }: CreatedOAuthClient): OAuthClient {
  return client;
}

function clients(state: ManagementState, method: string, url: URL, body: Body): RouteResult {
  switch (method) {
    case 'GET':
      return listOfDomain(state, state.clients, url, 'id', withoutSecret);
    case 'POST': {
      // One POST both creates (with domain_id) and updates (with id), as the API has it.
      if (text(body, 'id')) {
        return byId(state.clients, body, 'client', (client) => {
          if (typeof body.description === 'string') client.description = body.description;
          client.mod_time = now();
          return ok(withoutSecret(client));
        });
      }
      return withDomain(state, text(body, 'domain_id'), 'domain_id', (domain) => {
        const validation: Record<string, string> = {};
        const scopes = {} as Record<keyof typeof SCOPES, string>;
        for (const [scope, allowed] of Object.entries(SCOPES) as [keyof typeof SCOPES, string[]][]) {
          const value = body[scope] ?? '';
          if (typeof value !== 'string' || !allowed.includes(value)) validation[scope] = `must be one of ${allowed.map((v) => `'${v}'`).join(', ')}`;
          else scopes[scope] = value;
        }
        const type = body.type ?? 'oauth';
        if (type !== 'oauth' && type !== 'token') validation.type = "must be 'oauth' or 'token'";
        if (Object.keys(validation).length > 0) return invalid(validation);
        const client = {
          ...stamp(state, 'client'),
          domain_id: domain.id,
          client_id: secret(16),
          client_secret: secret(32),
          description: typeof body.description === 'string' ? body.description : '',
          ...scopes,
        } as unknown as CreatedOAuthClient;
        state.clients.push(client);
        return ok(client);
      });
    }
    case 'DELETE':
      return remove(state.clients, url.searchParams.get('id'), 'client');
    default:
      return methodNotAllowed();
  }
}

function weeksFromNow(weeks: number): string {
  return new Date(Date.now() + weeks * 7 * 24 * 3600 * 1000).toISOString();
}

/** Weeks between reports; 0 is daily, as the current document has it. */
function interval(body: Body): number | undefined {
  const value = body.interval;
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

const REPORT_FLAGS = ['visitor_graph', 'summary', 'top_pages', 'top_referrer', 'top_events', 'hide_dashboard_button'] as const;

/** The current document's report options from a body; a validation message per bad field. */
function reportOptions(body: Body, validation: Record<string, string>): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  if (body.reply_to !== undefined && body.reply_to !== null && body.reply_to !== '') {
    if (typeof body.reply_to !== 'string' || !EMAIL.test(body.reply_to)) validation.reply_to = 'must be an email address';
    else options.reply_to = body.reply_to;
  }
  if (body.link_to !== undefined) {
    if (typeof body.link_to !== 'string' || !['', 'dashboard', 'public', 'custom'].includes(body.link_to)) validation.link_to = 'must be dashboard, public or custom';
    else options.link_to = body.link_to || 'dashboard';
  }
  for (const flag of REPORT_FLAGS) {
    if (body[flag] === undefined) continue;
    if (typeof body[flag] !== 'boolean') validation[flag] = 'must be a boolean';
    else options[flag] = body[flag];
  }
  return options;
}

function nextReport(weeks: number, startDate?: string): string {
  if (startDate) return new Date(`${startDate}T00:00:00Z`).toISOString();
  return weeks === 0 ? new Date(Date.now() + 24 * 3600 * 1000).toISOString() : weeksFromNow(weeks);
}

function reports(state: ManagementState, method: string, url: URL, body: Body): RouteResult {
  switch (method) {
    case 'GET':
      return listOfDomain(state, state.reports, url, 'id');
    case 'POST':
      return withDomain(state, text(body, 'domain_id'), 'domain_id', (domain) => {
        const addresses = emails(body);
        const weeks = interval(body);
        const validation: Record<string, string> = {};
        if (!addresses) validation.emails = 'a list of valid email addresses is required';
        if (weeks === undefined) validation.interval = 'the interval must be a whole number of weeks (0 for daily)';
        const startDate = body.start_date;
        if (startDate !== undefined && startDate !== null && (typeof startDate !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(startDate) || Number.isNaN(Date.parse(startDate)))) {
          validation.start_date = 'must be YYYY-MM-DD';
        }
        const options = reportOptions(body, validation);
        if (Object.keys(validation).length > 0 || !addresses || weeks === undefined) return invalid(validation);
        const created = addresses.map(
          (email) => ({
            ...stamp(state, 'report'),
            domain_id: domain.id,
            email,
            interval: weeks,
            link_to: 'dashboard',
            ...options,
            next_report: nextReport(weeks, typeof startDate === 'string' ? startDate : undefined),
          }) as EmailReport,
        );
        state.reports.push(...created);
        return ok(created);
      });
    case 'PUT': {
      const weeks = interval(body);
      const validation: Record<string, string> = {};
      if (text(body, 'id') && weeks === undefined) validation.interval = 'the interval must be a whole number of weeks (0 for daily)';
      const options = reportOptions(body, validation);
      if (text(body, 'id') && Object.keys(validation).length > 0) return invalid(validation);
      return byId(state.reports, body, 'report', (report) => {
        Object.assign(report, options);
        report.interval = weeks ?? report.interval;
        report.next_report = nextReport(report.interval);
        report.mod_time = now();
        return ok(report);
      });
    }
    case 'DELETE':
      return remove(state.reports, url.searchParams.get('id'), 'report');
    default:
      return methodNotAllowed();
  }
}

const nullableText = (body: Body, field: string) => text(body, field) ?? null;

/** Applies a goal body (create or update) onto a goal; answers a validation error or undefined. */
function applyGoal(goal: ConversionGoal & GoalExtras, body: Body): RouteResult | undefined {
  const name = text(body, 'name');
  const pathPattern = text(body, 'path_pattern');
  const eventName = nullableText(body, 'event_name');
  const validation: Record<string, string> = {};
  if (!name) validation.name = 'the name is required';
  // Either a path pattern or an event, as the document says.
  if (pathPattern !== undefined ? !pathPattern.startsWith('/') : eventName === null) {
    validation.path_pattern = 'the path pattern is required and starts with /';
  }
  for (const field of ['visitors', 'cr', 'custom_metric_total_goal', 'custom_metric_avg_goal'] as const) {
    const value = body[field];
    if (value !== undefined && value !== null && (typeof value !== 'number' || value < 0)) validation[field] = 'must be a number of 0 or more';
  }
  const metricType = body.custom_metric_type ?? null;
  if (metricType !== null && metricType !== 'integer' && metricType !== 'float') validation.custom_metric_type = 'must be integer, float or null';
  if ((metricType === null) !== (nullableText(body, 'custom_metric_key') === null)) {
    validation.custom_metric_key = 'custom_metric_key and custom_metric_type go together';
  }
  const tags = body.tags ?? [];
  if (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string')) validation.tags = 'must be a list of strings (key or key=value)';
  if (Object.keys(validation).length > 0 || !name) return invalid(validation);
  const positive = (field: string) => (typeof body[field] === 'number' && (body[field] as number) > 0 ? (body[field] as number) : null);
  goal.name = name;
  goal.path_pattern = pathPattern ?? (null as unknown as string);
  goal.pattern = pathPattern ? patternFromPathPattern(pathPattern) : (null as unknown as string);
  goal.tags = tags as string[];
  goal.event_name = eventName;
  goal.event_meta_key = nullableText(body, 'event_meta_key');
  goal.event_meta_value = nullableText(body, 'event_meta_value');
  goal.custom_metric_key = nullableText(body, 'custom_metric_key');
  goal.custom_metric_type = metricType as GoalExtras['custom_metric_type'];
  goal.visitor_goal = positive('visitors');
  goal.cr_goal = positive('cr');
  goal.custom_metric_total_goal = positive('custom_metric_total_goal');
  goal.custom_metric_avg_goal = positive('custom_metric_avg_goal');
  goal.delete_reached = body.delete_reached === true;
  goal.email_reached = body.email_reached === true;
  goal.mod_time = now();
  return undefined;
}

function goals(state: ManagementState, method: string, url: URL, body: Body): RouteResult {
  switch (method) {
    case 'GET': {
      const search = url.searchParams.get('search')?.toLowerCase();
      const listed = listOfDomain(state, state.goals, url, 'id');
      if (!search || listed.status !== 200) return listed;
      return ok((listed.body as ConversionGoal[]).filter((goal) => goal.name.toLowerCase().includes(search)));
    }
    case 'POST':
      return withDomain(state, text(body, 'domain_id'), 'domain_id', (domain) => {
        const goal: ConversionGoal & GoalExtras = {
          ...stamp(state, 'goal'),
          domain_id: domain.id,
          name: '',
          path_pattern: '',
          pattern: '',
          tags: [],
          event_name: null,
          event_meta_key: null,
          event_meta_value: null,
          custom_metric_key: null,
          custom_metric_type: null,
          visitor_goal: null,
          cr_goal: null,
          custom_metric_total_goal: null,
          custom_metric_avg_goal: null,
          delete_reached: false,
          email_reached: false,
        };
        const error = applyGoal(goal, body);
        if (error) return error;
        state.goals.push(goal);
        return ok(goal);
      });
    case 'PUT':
      return byId(state.goals, body, 'goal', (goal) => {
        const draft = { ...goal };
        const error = applyGoal(draft, body);
        if (error) return error;
        Object.assign(goal, draft);
        return ok(goal);
      });
    case 'DELETE':
      return remove(state.goals, url.searchParams.get('id'), 'goal');
    default:
      return methodNotAllowed();
  }
}

/** `POST /api/v1/goal/regex` with `{ regex, sample }`: whether the RE2 expression matches, or a 400 when it is not valid. */
function goalRegex(method: string, body: Body): RouteResult {
  if (method !== 'POST') return methodNotAllowed();
  const regex = body.regex;
  if (typeof regex !== 'string' || regex === '') return invalid({ regex: 'required' });
  const parsed = parseRegex(regex);
  if (!parsed.ok) return invalid({ regex: `not a valid regular expression: ${parsed.message}` });
  return ok({ match: parsed.regex.test(typeof body.sample === 'string' ? body.sample : '') });
}

/**
 * Answers the management routes (`/api/v1/domain*`, `/member`, `/client`, `/report`, `/goal`)
 * from the store's in-memory account; undefined for any other path.
 */
/** The management paths the emulator serves (without a trailing slash). */
const MANAGEMENT_PATHS: ReadonlySet<string> = new Set([
  '/api/v1/domain',
  '/api/v1/domain/subdomain',
  '/api/v1/domain/public',
  '/api/v1/domain/title',
  '/api/v1/domain/timezone',
  '/api/v1/domain/hostname',
  '/api/v1/domain/name',
  '/api/v1/domain/scripts',
  '/api/v1/domain/start-week-sunday',
  '/api/v1/domain/active',
  '/api/v1/domain/settings',
  '/api/v1/domain/metadata',
  '/api/v1/domain/noindex',
  '/api/v1/domain/custom',
  '/api/v1/domain/link',
  '/api/v1/member',
  '/api/v1/client',
  '/api/v1/report',
  '/api/v1/goal',
  '/api/v1/goal/regex',
]);

/** True for a management endpoint the emulator serves. */
export function isManagementPath(pathname: string): boolean {
  return MANAGEMENT_PATHS.has(pathname.replace(/\/+$/, ''));
}

export function handleManagementRoute(store: EmulatorStore, method: string, url: URL, body: unknown): RouteResult | undefined {
  const path = url.pathname.replace(/\/+$/, '');
  const state = managementState(store);
  const fields = asBody(body);
  switch (path) {
    case '/api/v1/domain':
      return domains(state, method, url, fields);
    case '/api/v1/domain/subdomain':
      return domainSetting(state, 'subdomain', method, fields);
    case '/api/v1/domain/public':
      return domainSetting(state, 'public', method, fields);
    case '/api/v1/domain/title':
      return domainSetting(state, 'title', method, fields);
    case '/api/v1/domain/timezone':
    case '/api/v1/domain/hostname':
    case '/api/v1/domain/name':
    case '/api/v1/domain/scripts':
    case '/api/v1/domain/start-week-sunday':
    case '/api/v1/domain/active':
    case '/api/v1/domain/settings':
    case '/api/v1/domain/metadata':
    case '/api/v1/domain/noindex':
      return domainSetting(state, path.slice('/api/v1/domain/'.length), method, fields);
    case '/api/v1/domain/custom':
      if (method === 'GET') {
        const wanted = url.searchParams.get('domain');
        if (!wanted) return invalid({ domain: 'required' });
        return ok({ exists: state.domains.some((domain) => domain.custom_domain === wanted) });
      }
      return domainSetting(state, 'custom', method, fields);
    case '/api/v1/goal/regex':
      return goalRegex(method, fields);
    case '/api/v1/domain/link':
      return accessLinks(state, method, url, fields);
    case '/api/v1/member':
      return members(state, method, url, fields);
    case '/api/v1/client':
      return clients(state, method, url, fields);
    case '/api/v1/report':
      return reports(state, method, url, fields);
    case '/api/v1/goal':
      return goals(state, method, url, fields);
    default:
      return undefined;
  }
}
