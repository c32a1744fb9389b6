import type { RouteResult } from './api-routes.js';
import { parseRegex } from './linear-regex.js';
import {
  asBody,
  byId,
  domainAnswer,
  HOSTNAME,
  invalid,
  listOfDomain,
  managementState,
  methodNotAllowed,
  notFound,
  now,
  ok,
  remove,
  stamp,
  text,
  withDomain,
  type Body,
  type DomainObject,
  type Funnel,
  type FunnelStepFilter,
  type ManagementState,
} from './management.js';
import type { EmulatorStore } from './store.js';

/**
 * The management routes of the current document beyond the 2022 ones: funnels, webhooks, traffic
 * filters, traffic spike and warning notifications, invitations, alternative domains, snippets and
 * views. Each keeps its objects in the store's account (`managementState`), validated like the API.
 */
const PATHS: ReadonlySet<string> = new Set([
  '/api/v1/funnel',
  '/api/v1/funnel/tags',
  '/api/v1/webhook',
  '/api/v1/filter',
  '/api/v1/traffic/spike',
  '/api/v1/traffic/warning',
  '/api/v1/invitation',
  '/api/v1/domain/alternative',
  '/api/v1/domain/snippet',
  '/api/v1/view',
]);

/** True for a path `handleMoreManagementRoute` serves. */
export function isMoreManagementPath(pathname: string): boolean {
  return PATHS.has(pathname.replace(/\/+$/, ''));
}

/** Answers the routes above; undefined for any other path. */
export function handleMoreManagementRoute(store: EmulatorStore, method: string, url: URL, body: unknown): RouteResult | undefined {
  const path = url.pathname.replace(/\/+$/, '');
  if (!PATHS.has(path)) return undefined;
  const state = managementState(store);
  const fields = asBody(body);
  switch (path) {
    case '/api/v1/funnel':
      return funnels(state, method, url, fields);
    case '/api/v1/funnel/tags':
      return method === 'GET' ? funnelTags(state, url) : methodNotAllowed();
    case '/api/v1/webhook':
      return upsertRoute(state, state.webhooks, 'webhook', method, url, fields, applyWebhook);
    case '/api/v1/filter':
      return upsertRoute(state, state.filters, 'filter', method, url, fields, applyFilter);
    case '/api/v1/traffic/spike':
      return traffic(state, method, fields, 'traffic_spike_notifications', 'traffic_spike_threshold');
    case '/api/v1/traffic/warning':
      return traffic(state, method, fields, 'traffic_warning', 'traffic_warning_threshold_days');
    case '/api/v1/invitation':
      return invitations(state, method, url, fields);
    case '/api/v1/domain/alternative':
      return alternatives(state, method, url, fields);
    case '/api/v1/domain/snippet':
      return snippets(state, method, url, fields);
    case '/api/v1/view':
      return upsertRoute(state, state.views, 'view', method, url, fields, applyView);
    default:
      return undefined;
  }
}

type Stored = DomainObject & Record<string, unknown>;

/**
 * The shape most new objects share: `GET ?domain_id=` lists (with `search` on the name or
 * description), `POST` creates or, with an `id`, updates, `DELETE ?id=` deletes. `apply` validates
 * the body onto a draft and answers a 400, or undefined when the draft is good.
 */
function upsertRoute(
  state: ManagementState,
  list: Stored[],
  what: string,
  method: string,
  url: URL,
  body: Body,
  apply: (draft: Stored, body: Body) => Record<string, string>,
): RouteResult {
  switch (method) {
    case 'GET': {
      const listed = listOfDomain(state, list, url, 'domain_id');
      const search = url.searchParams.get('search')?.toLowerCase();
      if (!search || listed.status !== 200) return listed;
      return ok((listed.body as Stored[]).filter((item) => String(item.name ?? item.description ?? '').toLowerCase().includes(search)));
    }
    case 'POST': {
      const save = (draft: Stored, commit: (draft: Stored) => void) => {
        const validation = apply(draft, body);
        if (Object.keys(validation).length > 0) return invalid(validation);
        draft.mod_time = now();
        commit(draft);
        return ok(draft);
      };
      if (text(body, 'id')) return byId(list, body, what, (item) => save({ ...item }, (draft) => Object.assign(item, draft)));
      return withDomain(state, text(body, 'domain_id'), 'domain_id', (domain) =>
        save({ ...stamp(state, what), domain_id: domain.id }, (draft) => list.push(draft)),
      );
    }
    case 'DELETE':
      return remove(list, url.searchParams.get('id'), what);
    default:
      return methodNotAllowed();
  }
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

function applyWebhook(draft: Stored, body: Body): Record<string, string> {
  const validation: Record<string, string> = {};
  const event = text(body, 'event');
  if (!event) validation.event = 'the event name is required';
  if (!isHttpUrl(body.endpoint)) validation.endpoint = 'an http(s) URL is required';
  if (Object.keys(validation).length > 0) return validation;
  // Saving a webhook activates it again, as the document says.
  Object.assign(draft, { description: typeof body.description === 'string' ? body.description : '', event, endpoint: body.endpoint, active: true });
  return validation;
}

/** Traffic filter types the emulator accepts, and how it checks the value. */
const FILTER_TYPES: Record<string, (value: string) => boolean> = {
  ip: (value) => /^[0-9a-fA-F:.]+$/.test(value) && (/^\d{1,3}(\.\d{1,3}){3}$/.test(value) || value.includes(':')),
  cidr: (value) => /^[0-9a-fA-F:.]+\/\d{1,3}$/.test(value),
  country: (value) => /^[a-zA-Z]{2}$/.test(value),
  hostname: (value) => HOSTNAME.test(value),
  path: (value) => value.startsWith('/'),
  user_agent: (value) => value.length > 0,
};

function applyFilter(draft: Stored, body: Body): Record<string, string> {
  const validation: Record<string, string> = {};
  const type = text(body, 'type');
  const filter = text(body, 'filter');
  const check = type ? FILTER_TYPES[type] : undefined;
  if (!check) validation.type = `must be one of ${Object.keys(FILTER_TYPES).join(', ')}`;
  if (!filter) validation.filter = 'required';
  else if (check && !check(filter)) validation.filter = `not a valid ${type} filter`;
  if (Object.keys(validation).length > 0) return validation;
  Object.assign(draft, { type, description: typeof body.description === 'string' ? body.description : '', filter });
  return validation;
}

const VIEW_LISTS = [
  'path', 'entry_path', 'exit_path', 'pattern', 'language', 'country', 'city', 'referrer', 'referrer_name', 'os', 'browser',
  'platform', 'screen_class', 'utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term', 'event', 'event_meta_key',
  'event_meta_value', 'tag', 'tag_key', 'tag_value',
] as const;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

function applyView(draft: Stored, body: Body): Record<string, string> {
  const validation: Record<string, string> = {};
  const name = text(body, 'name');
  if (!name) validation.name = 'the name is required';
  const view: Record<string, unknown> = { name, user_id: 'emulator-user' };
  for (const field of ['from', 'to', 'compare_from', 'compare_to'] as const) {
    const value = body[field] ?? null;
    if (value !== null && (typeof value !== 'string' || !DATE.test(value))) validation[field] = 'must be YYYY-MM-DD or null';
    view[field] = value;
  }
  for (const field of ['from_time', 'to_time'] as const) {
    const value = body[field] ?? null;
    if (value !== null && value !== '' && (typeof value !== 'string' || !TIME.test(value))) validation[field] = 'must be HH:MM or null';
    view[field] = value || null;
  }
  const period = body.period ?? null;
  if (period !== null && (typeof period !== 'number' || !Number.isInteger(period) || period < 0)) validation.period = 'must be a whole number or null';
  view.period = period;
  const compare = body.compare ?? null;
  if (compare !== null && !['previous', 'year', 'custom'].includes(String(compare))) validation.compare = 'must be previous, year, custom or null';
  view.compare = compare;
  view.compare_weekday = body.compare_weekday === true;
  for (const field of VIEW_LISTS) {
    const value = body[field] ?? null;
    if (value !== null && (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string'))) validation[field] = 'must be a list of strings or null';
    view[field] = value;
  }
  for (const field of ['visitor_id', 'session_id'] as const) {
    const value = body[field] ?? null;
    if (value !== null && typeof value !== 'number' && typeof value !== 'string') validation[field] = 'must be a number or null';
    view[field] = value;
  }
  if (Object.keys(validation).length === 0) Object.assign(draft, view);
  return validation;
}

// --- funnels ------------------------------------------------------------------------------------

const STEP_LISTS: ReadonlyArray<keyof FunnelStepFilter> = [
  'path', 'entry_path', 'exit_path', 'path_pattern', 'path_regex', 'language', 'country', 'region', 'city', 'referrer',
  'referrer_name', 'os', 'os_version', 'browser', 'browser_version', 'screen_class', 'utm_source', 'utm_medium',
  'utm_campaign', 'utm_content', 'utm_term', 'tag', 'event_name', 'event_meta_key',
];

const isStringMap = (value: unknown) =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((entry) => typeof entry === 'string');

/** A step's filter, checked; the validation messages go under `steps.<n>.filter.<field>`. */
function stepFilter(value: unknown, at: string, validation: Record<string, string>): FunnelStepFilter {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    validation[at] = 'must be an object';
    return {};
  }
  const input = value as Record<string, unknown>;
  const filter: FunnelStepFilter = {};
  for (const field of STEP_LISTS) {
    const entry = input[field];
    if (entry === undefined || entry === null) continue;
    if (!Array.isArray(entry) || !entry.every((item) => typeof item === 'string')) validation[`${at}.${field}`] = 'must be a list of strings';
    else (filter as Record<string, unknown>)[field] = entry;
  }
  for (const pattern of filter.path_regex ?? []) {
    const parsed = parseRegex(pattern);
    if (!parsed.ok) validation[`${at}.path_regex`] = `not a valid regular expression: ${parsed.message}`;
  }
  if (input.platform !== undefined && input.platform !== null && input.platform !== '') {
    if (input.platform !== 'desktop' && input.platform !== 'mobile' && input.platform !== 'unknown') validation[`${at}.platform`] = 'must be desktop, mobile or unknown';
    else filter.platform = input.platform;
  }
  for (const field of ['tags', 'event_meta'] as const) {
    const entry = input[field];
    if (entry === undefined || entry === null) continue;
    if (!isStringMap(entry)) validation[`${at}.${field}`] = 'must be an object of strings';
    else filter[field] = entry as Record<string, string>;
  }
  return filter;
}

function funnels(state: ManagementState, method: string, url: URL, body: Body): RouteResult {
  switch (method) {
    case 'GET': {
      const listed = listOfDomain(state, state.funnels, url, 'id');
      const search = url.searchParams.get('search')?.toLowerCase();
      if (!search || listed.status !== 200) return listed;
      return ok((listed.body as Funnel[]).filter((funnel) => funnel.name.toLowerCase().includes(search)));
    }
    case 'POST':
      return withDomain(state, text(body, 'domain_id'), 'domain_id', (domain) => {
        const id = text(body, 'id');
        const existing = id ? state.funnels.find((funnel) => funnel.id === id && funnel.domain_id === domain.id) : undefined;
        if (id && !existing) return notFound('funnel');
        const validation: Record<string, string> = {};
        const name = text(body, 'name');
        if (!name) validation.name = 'the name is required';
        const steps = Array.isArray(body.steps) ? body.steps : [];
        if (!Array.isArray(body.steps) || steps.length < 2) validation.steps = 'a funnel needs at least two steps';
        const funnel: Funnel = existing ? { ...existing, mod_time: now() } : { ...stamp(state, 'funnel'), domain_id: domain.id, name: '', steps: [] };
        const time = now();
        funnel.steps = steps.map((raw: unknown, index) => {
          const step = asBody(raw);
          const stepName = text(step, 'name');
          if (!stepName) validation[`steps.${index}.name`] = 'the step name is required';
          const previous = existing?.steps[index];
          return {
            id: previous?.id ?? stamp(state, 'step').id,
            def_time: previous?.def_time ?? time,
            mod_time: time,
            funnel_id: funnel.id,
            name: stepName ?? '',
            step: index,
            filter: stepFilter(step.filter, `steps.${index}.filter`, validation),
          };
        });
        if (Object.keys(validation).length > 0 || !name) return invalid(validation);
        funnel.name = name;
        if (existing) Object.assign(existing, funnel);
        else state.funnels.push(funnel);
        return ok(existing ?? funnel);
      });
    case 'DELETE':
      return remove(state.funnels, url.searchParams.get('id'), 'funnel');
    default:
      return methodNotAllowed();
  }
}

/** The tag keys the domain's funnel steps filter on (`tags` and `tag`), `search` applied. */
function funnelTags(state: ManagementState, url: URL): RouteResult {
  const listed = listOfDomain(state, state.funnels, url, 'id');
  if (listed.status !== 200) return listed;
  const search = url.searchParams.get('search')?.toLowerCase() ?? '';
  const keys = new Set<string>();
  for (const funnel of listed.body as Funnel[]) {
    for (const step of funnel.steps) for (const key of [...Object.keys(step.filter.tags ?? {}), ...(step.filter.tag ?? [])]) keys.add(key);
  }
  return ok([...keys].filter((key) => key.toLowerCase().includes(search)).sort());
}

// --- the rest -------------------------------------------------------------------------------------

/** `PUT` toggles the notification, `POST` sets its threshold (a whole number of 0 or more). */
function traffic(
  state: ManagementState,
  method: string,
  body: Body,
  toggle: 'traffic_spike_notifications' | 'traffic_warning',
  threshold: 'traffic_spike_threshold' | 'traffic_warning_threshold_days',
): RouteResult {
  if (method !== 'PUT' && method !== 'POST') return methodNotAllowed();
  return withDomain(state, text(body, 'domain_id'), 'domain_id', (domain) => {
    if (method === 'PUT') {
      domain[toggle] = !domain[toggle];
    } else {
      const value = body.threshold;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) return invalid({ threshold: 'must be a whole number of 0 or more' });
      domain[threshold] = value;
    }
    domain.mod_time = now();
    return ok();
  });
}

/**
 * Invitations: the emulator adds invited members at once (as if they had accepted) and keeps an
 * invitation for each new address until it is accepted (`POST {id}`) or deleted.
 */
function invitations(state: ManagementState, method: string, url: URL, body: Body): RouteResult {
  const withDomainObject = (invitation: (typeof state.invitations)[number]) => {
    const domain = state.domains.find((candidate) => candidate.id === invitation.domain_id);
    return { ...invitation, domain: domain ? domainAnswer(domain) : null, organization: null };
  };
  switch (method) {
    case 'GET': {
      const domainId = url.searchParams.get('domain_id');
      if (domainId && !state.domains.some((domain) => domain.id === domainId)) return notFound('domain');
      return ok(state.invitations.filter((invitation) => !domainId || invitation.domain_id === domainId).map(withDomainObject));
    }
    case 'POST':
    case 'DELETE':
      return remove(state.invitations, text(body, 'id') ?? null, 'invitation');
    default:
      return methodNotAllowed();
  }
}

function alternatives(state: ManagementState, method: string, url: URL, body: Body): RouteResult {
  const checkHostname = (): string | RouteResult => {
    const hostname = text(body, 'hostname')?.toLowerCase();
    if (!hostname || !HOSTNAME.test(hostname)) return invalid({ hostname: 'a hostname such as alternative.example.com is required' });
    return hostname;
  };
  switch (method) {
    case 'GET':
      return listOfDomain(state, state.alternatives, url, 'domain_id');
    case 'POST':
      return withDomain(state, text(body, 'domain_id'), 'domain_id', (domain) => {
        const hostname = checkHostname();
        if (typeof hostname !== 'string') return hostname;
        const alternative = { ...stamp(state, 'alternative'), domain_id: domain.id, hostname };
        state.alternatives.push(alternative);
        return ok(alternative);
      });
    case 'PUT':
      return byId(state.alternatives, body, 'alternative domain', (alternative) => {
        const hostname = checkHostname();
        if (typeof hostname !== 'string') return hostname;
        alternative.hostname = hostname;
        alternative.mod_time = now();
        return ok(alternative);
      });
    case 'DELETE':
      return remove(state.alternatives, url.searchParams.get('id'), 'alternative domain');
    default:
      return methodNotAllowed();
  }
}

const SNIPPET_TYPES = ['page view', 'event', 'session'];
const SNIPPET_TEXTS = ['include', 'exclude', 'domains', 'endpoint', 'sample'] as const;

/** One snippet per domain and type: `POST` sets it, `GET ?domain_id=&type=` reads it (defaults until set). */
function snippets(state: ManagementState, method: string, url: URL, body: Body): RouteResult {
  switch (method) {
    case 'GET':
      return withDomain(state, url.searchParams.get('domain_id') ?? undefined, 'domain_id', (domain) => {
        const type = url.searchParams.get('type') ?? '';
        if (!SNIPPET_TYPES.includes(type)) return invalid({ type: 'must be page view, event or session' });
        const found = state.snippets.find((snippet) => snippet.domain_id === domain.id && snippet.type === type);
        if (found) return ok(found);
        const time = now();
        return ok({ id: '', def_time: time, mod_time: time, domain_id: domain.id, type, dev: false, include: '', exclude: '', domains: '', endpoint: '', sample: '' });
      });
    case 'POST':
      return withDomain(state, text(body, 'domain_id'), 'domain_id', (domain) => {
        const validation: Record<string, string> = {};
        const type = body.type;
        if (typeof type !== 'string' || !SNIPPET_TYPES.slice(0, 2).includes(type)) validation.type = 'must be page view or event';
        if (body.dev !== undefined && typeof body.dev !== 'boolean') validation.dev = 'must be a boolean';
        for (const field of SNIPPET_TEXTS) if (body[field] !== undefined && typeof body[field] !== 'string') validation[field] = 'must be a string';
        if (typeof body.endpoint === 'string' && body.endpoint !== '' && !isHttpUrl(body.endpoint)) validation.endpoint = 'must be an http(s) URL or empty';
        if (Object.keys(validation).length > 0) return invalid(validation);
        let snippet = state.snippets.find((candidate) => candidate.domain_id === domain.id && candidate.type === type);
        if (!snippet) {
          snippet = { ...stamp(state, 'snippet'), domain_id: domain.id, type };
          state.snippets.push(snippet);
        }
        Object.assign(snippet, { dev: body.dev === true, mod_time: now() });
        for (const field of SNIPPET_TEXTS) snippet[field] = typeof body[field] === 'string' ? body[field] : '';
        return ok(snippet);
      });
    default:
      return methodNotAllowed();
  }
}
