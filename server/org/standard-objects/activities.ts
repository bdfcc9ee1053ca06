/**
 * Task and Event (API 62.0). WhoId (a Contact or a Lead) and WhatId (any other record) are
 * polymorphic: WhoId takes the id of a contact or a lead, WhatId of any record (`*`, like
 * Attachment.ParentId; Salesforce's list of its objects is long and org-dependent). An event
 * needs ActivityDateTime (or ActivityDate when all-day) and DurationInMinutes or EndDateTime:
 * "one of" rules the schema cannot state, so no Event field is required here.
 */
import type { FieldDef } from '../schema.js';
import { READ_ONLY, type StandardObject, date, datetime, flag, integer, longText, picklist, reference, text } from './field-builders.js';

/** Subject is a combobox: a picklist that takes any text. */
const subject: FieldDef = { name: 'Subject', type: 'combobox', length: 255 };

const recurrence = (start: FieldDef): FieldDef[] => [
  flag('IsRecurrence'),
  start,
  date('RecurrenceEndDateOnly'),
  picklist('RecurrenceType'),
  integer('RecurrenceInterval'),
  integer('RecurrenceDayOfWeekMask'),
  integer('RecurrenceDayOfMonth'),
  picklist('RecurrenceInstance'),
  picklist('RecurrenceMonthOfYear'),
  picklist('RecurrenceTimeZoneSidKey'),
];

/** What both have: the polymorphic lookups, the account Salesforce derives from them, the counts. */
const shared = (): FieldDef[] => [
  reference('WhoId', '*', { referenceTargets: ['Contact', 'Lead'] }),
  reference('WhatId', '*'),
  reference('AccountId', 'Account', READ_ONLY),
  integer('WhoCount', READ_ONLY),
  integer('WhatCount', READ_ONLY),
  longText('Description'),
  picklist('Type'),
  flag('IsReminderSet'),
  datetime('ReminderDateTime'),
  flag('IsVisibleInSelfService'),
  flag('IsArchived', READ_ONLY),
];

export const TASK: StandardObject = {
  name: 'Task',
  keyPrefix: '00T',
  fields: [
    subject,
    date('ActivityDate'),
    // Required in Salesforce but defaulted on create (Not Started, Normal): a load may leave them out.
    picklist('Status'),
    picklist('Priority'),
    picklist('TaskSubtype'),
    ...shared(),
    flag('IsClosed', READ_ONLY),
    flag('IsHighPriority', READ_ONLY),
    datetime('CompletedDateTime', READ_ONLY),
    integer('CallDurationInSeconds'),
    picklist('CallType'),
    text('CallDisposition', 255),
    text('CallObject', 255),
    ...recurrence(date('RecurrenceStartDateOnly')),
    picklist('RecurrenceRegeneratedType'),
  ],
};

export const EVENT: StandardObject = {
  name: 'Event',
  keyPrefix: '00U',
  fields: [
    subject,
    text('Location', 255),
    flag('IsAllDayEvent'),
    datetime('ActivityDateTime'),
    date('ActivityDate'),
    integer('DurationInMinutes'),
    datetime('StartDateTime'),
    datetime('EndDateTime'),
    date('EndDate', READ_ONLY),
    flag('IsPrivate'),
    picklist('ShowAs'),
    picklist('EventSubtype'),
    ...shared(),
    flag('IsChild', READ_ONLY),
    flag('IsGroupEvent', READ_ONLY),
    picklist('GroupEventType', READ_ONLY),
    ...recurrence(datetime('RecurrenceStartDateTime')),
  ],
};
