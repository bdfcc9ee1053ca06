/**
 * The standard objects of the local org, one entry per object, in describeGlobal's order (the
 * first nine as they always were). Data only: OrgSchema (../schema.ts) adds the system fields and
 * checks the types.
 */
import { EVENT, TASK } from './activities.js';
import { CONTRACT, ORDER, ORDER_ITEM } from './contracts.js';
import type { StandardObject } from './field-builders.js';
import { ATTACHMENT, CONTENT_VERSION, DOCUMENT } from './files.js';
import { CAMPAIGN, CAMPAIGN_MEMBER } from './marketing.js';
import { PRICEBOOK2, PRICEBOOK_ENTRY, PRODUCT2 } from './products.js';
import { ACCOUNT, CONTACT, LEAD, OPPORTUNITY, OPPORTUNITY_LINE_ITEM } from './sales.js';
import { ASSET, CASE } from './service.js';
import { USER } from './users.js';

export const STANDARD_OBJECTS: readonly StandardObject[] = [
  ACCOUNT,
  CONTACT,
  LEAD,
  OPPORTUNITY,
  CASE,
  ATTACHMENT,
  DOCUMENT,
  CONTENT_VERSION,
  USER,
  TASK,
  EVENT,
  CAMPAIGN,
  CAMPAIGN_MEMBER,
  PRODUCT2,
  PRICEBOOK2,
  PRICEBOOK_ENTRY,
  OPPORTUNITY_LINE_ITEM,
  ASSET,
  CONTRACT,
  ORDER,
  ORDER_ITEM,
];
