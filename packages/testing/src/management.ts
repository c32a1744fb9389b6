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
import type { EmulatorStore } from './store.js';

/** The ID of the domain every emulator starts with; hits count towards it unless a created domain has their hostname. */
export const DEFAULT_DOMAIN_ID = 'emulator-domain';

/** The emulator's account: domains and what belongs to them, kept in memory. */
export interface ManagementState {
  domains: Domain[];
  accessLinks: AccessLink[];
  members: Member[];
  /** Clients with their secrets (the list route leaves the secret out). */
  clients: CreatedOAuthClient[];
  reports: EmailReport[];
  goals: ConversionGoal[];
  /** Counter behind the IDs it hands out (`goal-1`, `report-2`, ...). */
  lastId: number;
}

const states = new WeakMap<EmulatorStore, ManagementState>();

const OWNER = { id: 'emulator-user', email: 'owner@example.com', full_name: 'Emulator Owner', picture: '' };

function now(): string {
  return new Date().toISOString();
}

function secret(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

function nextId(state: ManagementState, kind: string): string {
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
  const state: ManagementState = { domains: [], accessLinks: [], members: [], clients: [], reports: [], goals: [], lastId: 0 };
  state.domains.push({
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

// --- answers --------------------------------------------------------------------------------

const ok = (body?: unknown): RouteResult => ({ status: 200, body });

/** A 400 with the API's error shape. */
export function invalid(validation: Record<string, string>): RouteResult {
  return { status: 400, body: { validation, error: [] } };
}

/** A 404 with the API's error shape. */
export function notFound(what: string): RouteResult {
  return { status: 404, body: { validation: {}, error: [`${what} not found`] } };
}

function methodNotAllowed(): RouteResult {
  return { status: 405, body: { validation: {}, error: ['method not allowed'] } };
}

// --- reading bodies ---------------------------------------------------------------------------

type Body = Record<string, unknown>;

function asBody(body: unknown): Body {
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Body) : {};
}

function text(body: Body, field: string): string | undefined {
  const value = body[field];
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function isTimezone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const EMAIL = /^[^@\s]+@[^@\s]+$/;

function emails(body: Body): string[] | undefined {
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

function withDomain(state: ManagementState, domainId: string | undefined, field: string, then: (domain: Domain) => RouteResult): RouteResult {
  if (!domainId) return invalid({ [field]: 'the domain ID is required' });
  const domain = state.domains.find((candidate) => candidate.id === domainId);
  return domain ? then(domain) : notFound('domain');
}

/** The items of a domain, for the list routes (`?<param>=<domain id>`). */
function listOfDomain<T extends { domain_id: string }>(
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
function byId<T extends { id: string }>(list: T[], body: Body, what: string, then: (item: T) => RouteResult): RouteResult {
  const id = text(body, 'id');
  if (!id) return invalid({ id: 'required' });
  const item = list.find((candidate) => candidate.id === id);
  return item ? then(item) : notFound(what);
}

/** A new object's id and times. */
function stamp(state: ManagementState, kind: string): { id: string; def_time: string; mod_time: string } {
  const time = now();
  return { id: nextId(state, kind), def_time: time, mod_time: time };
}

function remove<T extends { id: string }>(list: T[], id: string | null, what: string): RouteResult {
  if (!id) return invalid({ id: 'required' });
  const index = list.findIndex((item) => item.id === id);
  if (index < 0) return notFound(what);
  list.splice(index, 1);
  return ok();
}

function domains(state: ManagementState, method: string, url: URL, body: Body): RouteResult {
  switch (method) {
    case 'GET':
      return ok(state.domains);
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
      const domain: Domain = {
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
        group_by_title: false,
        user_role: 'Owner',
      };
      state.domains.push(domain);
      state.members.push(ownerMember(state, domain.id, time));
      return ok(domain);
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
        for (const list of [state.accessLinks, state.members, state.clients, state.reports, state.goals] as { domain_id: string }[][]) {
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
  if (method !== 'POST') return methodNotAllowed();
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
        state.accessLinks.push(link);
        return ok(link);
      });
    case 'PUT':
      return byId(state.accessLinks, body, 'access link', (link) => {
        if (typeof body.description === 'string') link.description = body.description;
        link.mod_time = now();
        return ok();
      });
    case 'DELETE':
      return remove(state.accessLinks, url.searchParams.get('id'), 'access link');
    default:
      return methodNotAllowed();
  }
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

const SCOPES: Record<'scope_hit' | 'scope_event' | 'scope_statistics' | 'scope_domains', string[]> = {
  scope_hit: ['', 'w'],
  scope_event: ['', 'w'],
  scope_statistics: ['', 'r'],
  scope_domains: ['', 'r', 'w'],
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
        if (Object.keys(validation).length > 0) return invalid(validation);
        const client = {
          ...stamp(state, 'client'),
          domain_id: domain.id,
          client_id: secret(16),
          client_secret: secret(32),
          description: typeof body.description === 'string' ? body.description : '',
          ...scopes,
        } as CreatedOAuthClient;
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

function interval(body: Body): number | undefined {
  const value = body.interval;
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
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
        if (!weeks) validation.interval = 'the interval must be a whole number of weeks above 0';
        if (!addresses || !weeks) return invalid(validation);
        const created = addresses.map(
          (email): EmailReport => ({
            ...stamp(state, 'report'),
            domain_id: domain.id,
            email,
            interval: weeks,
            next_report: weeksFromNow(weeks),
          }),
        );
        state.reports.push(...created);
        return ok(created);
      });
    case 'PUT': {
      const weeks = interval(body);
      if (text(body, 'id') && !weeks) return invalid({ interval: 'the interval must be a whole number of weeks above 0' });
      return byId(state.reports, body, 'report', (report) => {
        report.interval = weeks ?? report.interval;
        report.next_report = weeksFromNow(report.interval);
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

/** Applies a goal body (create or update) onto a goal; answers a validation error or undefined. */
function applyGoal(goal: ConversionGoal, body: Body): RouteResult | undefined {
  const name = text(body, 'name');
  const pathPattern = text(body, 'path_pattern');
  const validation: Record<string, string> = {};
  if (!name) validation.name = 'the name is required';
  if (!pathPattern?.startsWith('/')) validation.path_pattern = 'the path pattern is required and starts with /';
  for (const field of ['visitors', 'cr'] as const) {
    const value = body[field];
    if (value !== undefined && (typeof value !== 'number' || value < 0)) validation[field] = 'must be a number of 0 or more';
  }
  if (Object.keys(validation).length > 0 || !name || !pathPattern) return invalid(validation);
  goal.name = name;
  goal.path_pattern = pathPattern;
  goal.pattern = patternFromPathPattern(pathPattern);
  goal.visitor_goal = typeof body.visitors === 'number' && body.visitors > 0 ? body.visitors : null;
  goal.cr_goal = typeof body.cr === 'number' && body.cr > 0 ? body.cr : null;
  goal.delete_reached = body.delete_reached === true;
  goal.email_reached = body.email_reached === true;
  goal.mod_time = now();
  return undefined;
}

function goals(state: ManagementState, method: string, url: URL, body: Body): RouteResult {
  switch (method) {
    case 'GET':
      return listOfDomain(state, state.goals, url, 'id');
    case 'POST':
      return withDomain(state, text(body, 'domain_id'), 'domain_id', (domain) => {
        const goal: ConversionGoal = {
          ...stamp(state, 'goal'),
          domain_id: domain.id,
          name: '',
          path_pattern: '',
          pattern: '',
          visitor_goal: null,
          cr_goal: null,
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
  '/api/v1/domain/link',
  '/api/v1/member',
  '/api/v1/client',
  '/api/v1/report',
  '/api/v1/goal',
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
      return domainSetting(state, 'timezone', method, fields);
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
