import { describe, expect, it } from 'vitest';
import { PirschConfigError } from '../errors.js';
import { configError } from '../test-support.js';
import { filterToQuery, formatDay } from './filter.js';

describe('formatDay', () => {
  it('turns a Date into its UTC day', () => {
    expect(formatDay(new Date('2021-05-08T00:00:00Z'))).toBe('2021-05-08');
    expect(formatDay(new Date('2021-05-08T23:59:59.999Z'))).toBe('2021-05-08');
    expect(formatDay(new Date('2021-05-08T23:30:00-02:00'))).toBe('2021-05-09');
  });

  it('passes a YYYY-MM-DD string through', () => {
    expect(formatDay('2021-05-08')).toBe('2021-05-08');
  });

  it.each([['8.5.2021'], ['2021-5-8'], ['2021-05-08T10:00:00Z'], [''], [new Date('nope')]])(
    'refuses %s with a PirschConfigError naming the option',
    (value) => {
      expect(() => formatDay(value, 'to')).toThrow(PirschConfigError);
      expect(() => formatDay(value, 'to')).toThrow(/"to"/);
    },
  );

  it.each([
    ['the largest Date', new Date(8.64e15)],
    ['the smallest Date', new Date(-8.64e15)],
    ['the first day after year 9999', new Date('+010000-01-01T00:00:00Z')],
    ['the last millisecond before year 0', new Date('-000001-12-31T23:59:59.999Z')],
  ])('refuses %s, out of the API\'s range, with a PirschConfigError naming the option', (_, value) => {
    expect(() => formatDay(value, 'from')).toThrow(PirschConfigError);
    expect(() => formatDay(value, 'from')).toThrow(/"from".*0000-01-01 to 9999-12-31/);
  });

  it.each([['2024-13-45'], ['2024-00-10'], ['2024-01-00'], ['2024-04-31'], ['2023-02-29'], ['1900-02-29'], ['9999-12-32']])(
    'refuses %s, no day of the calendar, with a PirschConfigError naming the option',
    (value) => {
      expect(() => formatDay(value, 'to')).toThrow(PirschConfigError);
      expect(() => formatDay(value, 'to')).toThrow(/"to".*not a day of the calendar/);
    },
  );

  it('takes the edge days of the range and of the calendar', () => {
    expect(formatDay(new Date('0000-01-01T00:00:00Z'))).toBe('0000-01-01');
    expect(formatDay(new Date('9999-12-31T23:59:59.999Z'))).toBe('9999-12-31');
    expect(formatDay('0000-01-01')).toBe('0000-01-01');
    expect(formatDay('9999-12-31')).toBe('9999-12-31');
    expect(formatDay('2024-02-29')).toBe('2024-02-29');
    expect(formatDay('2000-02-29')).toBe('2000-02-29');
    expect(formatDay('2024-04-30')).toBe('2024-04-30');
    expect(formatDay('2024-12-31')).toBe('2024-12-31');
  });
});

describe('filterToQuery', () => {
  it('sends every parameter of the Filter table under its own name', () => {
    expect(
      filterToQuery({
        id: 'A5kgYzK14m',
        from: new Date('2021-05-08T12:00:00Z'),
        to: '2021-05-15',
        start: 600,
        path: '/home',
        entry_path: '/in',
        exit_path: '/out',
        pattern: '(?i)^/path/[^/]+$',
        event: 'Button clicked',
        event_meta_key: 'Clicks',
        language: 'en',
        country: 'jp',
        city: 'London',
        referrer: 'https://referring-website.com/',
        referrer_name: 'referring-website.com',
        os: 'Windows',
        browser: 'Firefox',
        platform: 'desktop',
        screen_class: 'XL',
        screen_width: '1920',
        screen_height: 1080,
        utm_source: 'Newsletter',
        utm_medium: 'Email',
        utm_campaign: 'Summer Sale',
        utm_content: 'Header',
        utm_term: 'search terms',
        limit: 20,
        include_avg_time_on_page: true,
      }),
    ).toEqual({
      id: 'A5kgYzK14m',
      from: '2021-05-08',
      to: '2021-05-15',
      start: 600,
      path: '/home',
      entry_path: '/in',
      exit_path: '/out',
      pattern: '(?i)^/path/[^/]+$',
      event: 'Button clicked',
      event_meta_key: 'Clicks',
      language: 'en',
      country: 'jp',
      city: 'London',
      referrer: 'https://referring-website.com/',
      referrer_name: 'referring-website.com',
      os: 'Windows',
      browser: 'Firefox',
      platform: 'desktop',
      screen_class: 'XL',
      screen_width: '1920',
      screen_height: 1080,
      utm_source: 'Newsletter',
      utm_medium: 'Email',
      utm_campaign: 'Summer Sale',
      utm_content: 'Header',
      utm_term: 'search terms',
      limit: 20,
      include_avg_time_on_page: true,
    });
  });

  it('sends meta as meta_<key>=<value> and leaves unset fields out', () => {
    expect(filterToQuery({ id: 'x', from: '2021-05-08', to: '2021-05-08', path: undefined, meta: { plan: 'pro', 'a b': 'c' } })).toEqual({
      id: 'x',
      from: '2021-05-08',
      to: '2021-05-08',
      meta_plan: 'pro',
      'meta_a b': 'c',
    });
  });

  it('takes a missing filter (plain JavaScript callers) as empty', () => {
    expect(filterToQuery(undefined)).toEqual({});
  });
});

describe('filterToQuery: the parameters of the current document', () => {
  const range = { id: 'x', from: '2024-05-01', to: '2024-05-08' };

  it('sends every new parameter under its own name, a list as the parameter repeated, tags as tag_<key>', () => {
    expect(
      filterToQuery({
        ...range,
        from_time: '12:34',
        to_time: '23:59',
        tz: 'Europe/Berlin',
        scale: 'month',
        hostname: 'example.com',
        region: 'Tokyo',
        channel: 'Paid Search',
        tag: 'author',
        tags: { author: 'John', abtest: ['a', 'b'] },
        custom_metric_key: 'amount',
        custom_metric_type: 'integer',
        offset: 0,
        limit: 100,
        sort: 'visitors',
        direction: 'asc',
        search: '/home',
        include_title: false,
        start: 3600,
        visitor_id: '18446744073709551615',
        session_id: 12345,
        keyword: 'analytics',
        funnel_id: 'fun1',
        access: 'code',
        path: ['/a', '!/b', '~c', '^d'],
        platform: ['desktop', 'mobile'],
      }),
    ).toEqual({
      ...range,
      from_time: '12:34',
      to_time: '23:59',
      tz: 'Europe/Berlin',
      scale: 'month',
      hostname: 'example.com',
      region: 'Tokyo',
      channel: 'Paid Search',
      tag: 'author',
      tag_author: 'John',
      tag_abtest: ['a', 'b'],
      custom_metric_key: 'amount',
      custom_metric_type: 'integer',
      offset: 0,
      limit: 100,
      sort: 'visitors',
      direction: 'asc',
      search: '/home',
      include_title: false,
      start: 3600,
      visitor_id: '18446744073709551615',
      session_id: 12345,
      keyword: 'analytics',
      funnel_id: 'fun1',
      access: 'code',
      path: ['/a', '!/b', '~c', '^d'],
      platform: ['desktop', 'mobile'],
    });
  });

  it.each([
    ['limit', { limit: 0 }],
    ['limit', { limit: 101 }],
    ['limit', { limit: 2.5 }],
    ['limit', { limit: '10' }],
    ['offset', { offset: -1 }],
    ['offset', { offset: 1.5 }],
    ['start', { start: 0 }],
    ['start', { start: 3601 }],
    ['scale', { scale: 'hour' }],
    ['direction', { direction: 'down' }],
    ['custom_metric_type', { custom_metric_type: 'double' }],
    ['from_time', { from_time: '24:00' }],
    ['from_time', { from_time: '9:05' }],
    ['to_time', { to_time: '12:60' }],
    ['tz', { tz: 'Mars/Olympus_Mons' }],
    ['tz', { tz: '' }],
    ['visitor_id', { visitor_id: 'abc', session_id: '1' }],
    ['session_id', { visitor_id: '1', session_id: -1 }],
    ['session_id', { visitor_id: '1' }],
    ['visitor_id', { session_id: '1' }],
    ['platform', { platform: 'tablet' }],
    ['platform', { platform: ['desktop', 'watch'] }],
    ['include_title', { include_title: 'yes' }],
    ['include_avg_time_on_page', { include_avg_time_on_page: 1 }],
    ['path', { path: { not: '/a' } }],
    ['path', { path: ['/a', 3] }],
    ['tags', { tags: ['author'] }],
    ['meta', { meta: { '': 'x' } }],
    ['screen_width', { screen_width: Number.NaN }],
  ])('%s out of the documented range (%j) is a PirschConfigError naming it', (option, bad) => {
    const error = configError(() => filterToQuery({ ...range, ...(bad as object) }));
    expect(error.option).toBe(option);
  });
});
