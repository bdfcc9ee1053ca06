/**
 * The standard objects of the local org, from Salesforce's Object Reference (API 62.0): data only,
 * one entry per object, in describeGlobal's order (the first nine as they always were). OrgSchema
 * (./schema.ts) adds the system fields and checks the types. Fields are those every org has
 * without a feature licence; read-only ones are marked so that an upload naming them fails its rows
 * as Salesforce fails them. One module, not one per group: each module the server imports costs
 * about 2 ms of start-up.
 */
import type { FieldDef } from './schema.js';
import {
  LOCKS_PARENT,
  READ_ONLY,
  REQUIRED,
  type StandardObject,
  addressParts,
  currency,
  date,
  datetime,
  double,
  email,
  flag,
  integer,
  longText,
  percent,
  phone,
  picklist,
  reference,
  text,
  url,
  viewedDates,
} from './standard-fields.js';

/** The sales objects: Account, Contact, Lead, Opportunity and its line items. */

const ACCOUNT: StandardObject = {
  name: 'Account',
  keyPrefix: '001',
  fields: [
    text('Name', 255, REQUIRED),
    text('AccountNumber', 40),
    text('Site', 80),
    picklist('Type'),
    picklist('Industry'),
    phone('Phone'),
    phone('Fax'),
    url('Website'),
    currency('AnnualRevenue'),
    integer('NumberOfEmployees'),
    // BillingStreet was a 255-character string before the address parts were added; it stays one.
    ...addressParts('Billing').map((f) => (f.name === 'BillingStreet' ? text('BillingStreet', 255) : f)),
    longText('Description'),
    { name: 'ParentId', type: 'reference', referenceTo: 'Account', relationshipName: 'Parent' },
    ...addressParts('Shipping'),
    text('Sic', 20),
    text('SicDesc', 80),
    picklist('Ownership'),
    text('TickerSymbol', 20),
    picklist('Rating'),
    picklist('AccountSource'),
    text('Jigsaw', 20),
    text('JigsawCompanyId', 20, READ_ONLY),
    picklist('CleanStatus'),
    text('DunsNumber', 9),
    text('Tradestyle', 255),
    text('NaicsCode', 8),
    text('NaicsDesc', 120),
    text('YearStarted', 4),
    url('PhotoUrl', 255, READ_ONLY),
    reference('MasterRecordId', 'Account', READ_ONLY),
    date('LastActivityDate', READ_ONLY),
    ...viewedDates(),
  ],
};

const CONTACT: StandardObject = {
  name: 'Contact',
  keyPrefix: '003',
  fields: [
    text('FirstName', 40),
    text('LastName', 80, REQUIRED),
    text('Title', 128),
    email('Email'),
    phone('Phone'),
    phone('MobilePhone'),
    date('Birthdate'),
    picklist('LeadSource'),
    flag('HasOptedOutOfEmail'),
    ...addressParts('Mailing'),
    longText('Description'),
    reference('AccountId', 'Account', LOCKS_PARENT),
    reference('ReportsToId', 'Contact'),
    picklist('Salutation'),
    text('MiddleName', 40),
    text('Suffix', 40),
    // The compound of the name parts, computed by Salesforce.
    text('Name', 121, READ_ONLY),
    ...addressParts('Other'),
    phone('Fax'),
    phone('HomePhone'),
    phone('OtherPhone'),
    phone('AssistantPhone'),
    text('AssistantName', 40),
    text('Department', 80),
    flag('HasOptedOutOfFax'),
    flag('DoNotCall'),
    text('EmailBouncedReason', 255),
    datetime('EmailBouncedDate'),
    flag('IsEmailBounced', READ_ONLY),
    text('Jigsaw', 20),
    text('JigsawContactId', 20, READ_ONLY),
    picklist('CleanStatus'),
    url('PhotoUrl', 255, READ_ONLY),
    reference('MasterRecordId', 'Contact', READ_ONLY),
    date('LastActivityDate', READ_ONLY),
    datetime('LastCURequestDate', READ_ONLY),
    datetime('LastCUUpdateDate', READ_ONLY),
    ...viewedDates(),
  ],
};

const LEAD: StandardObject = {
  name: 'Lead',
  keyPrefix: '00Q',
  fields: [
    text('FirstName', 40),
    text('LastName', 80, REQUIRED),
    text('Company', 255, REQUIRED),
    text('Title', 128),
    email('Email'),
    phone('Phone'),
    picklist('Status'),
    picklist('LeadSource'),
    currency('AnnualRevenue'),
    integer('NumberOfEmployees'),
    // Createable in Salesforce: a load may bring in leads converted elsewhere.
    flag('IsConverted'),
    longText('Description'),
    picklist('Salutation'),
    text('MiddleName', 40),
    text('Suffix', 40),
    text('Name', 121, READ_ONLY),
    ...addressParts(''),
    phone('MobilePhone'),
    phone('Fax'),
    url('Website'),
    picklist('Industry'),
    picklist('Rating'),
    flag('HasOptedOutOfEmail'),
    flag('HasOptedOutOfFax'),
    flag('DoNotCall'),
    flag('IsUnreadByOwner'),
    text('EmailBouncedReason', 255),
    datetime('EmailBouncedDate'),
    text('Jigsaw', 20),
    text('JigsawContactId', 20, READ_ONLY),
    picklist('CleanStatus'),
    text('CompanyDunsNumber', 9),
    url('PhotoUrl', 255, READ_ONLY),
    date('ConvertedDate', READ_ONLY),
    reference('ConvertedAccountId', 'Account', READ_ONLY),
    reference('ConvertedContactId', 'Contact', READ_ONLY),
    reference('ConvertedOpportunityId', 'Opportunity', READ_ONLY),
    reference('MasterRecordId', 'Lead', READ_ONLY),
    date('LastActivityDate', READ_ONLY),
    ...viewedDates(),
  ],
};

const OPPORTUNITY: StandardObject = {
  name: 'Opportunity',
  keyPrefix: '006',
  fields: [
    text('Name', 120, REQUIRED),
    picklist('StageName', REQUIRED),
    date('CloseDate', REQUIRED),
    currency('Amount'),
    percent('Probability'),
    picklist('Type'),
    flag('IsPrivate'),
    longText('Description'),
    reference('AccountId', 'Account', LOCKS_PARENT),
    text('NextStep', 255),
    picklist('LeadSource'),
    picklist('ForecastCategoryName'),
    // Derived from the stage: ForecastCategory, IsClosed and IsWon follow StageName.
    picklist('ForecastCategory', READ_ONLY),
    flag('IsClosed', READ_ONLY),
    flag('IsWon', READ_ONLY),
    currency('ExpectedRevenue', READ_ONLY),
    double('TotalOpportunityQuantity'),
    reference('CampaignId', 'Campaign'),
    reference('Pricebook2Id', 'Pricebook2'),
    reference('ContractId', 'Contract'),
    flag('HasOpportunityLineItem', READ_ONLY),
    flag('HasOpenActivity', READ_ONLY),
    flag('HasOverdueTask', READ_ONLY),
    integer('FiscalQuarter', READ_ONLY),
    integer('FiscalYear', READ_ONLY),
    text('Fiscal', 6, READ_ONLY),
    date('LastActivityDate', READ_ONLY),
    datetime('LastStageChangeDate', READ_ONLY),
    ...viewedDates(),
  ],
};

/**
 * A product on an opportunity. Salesforce needs PricebookEntryId or Product2Id, and UnitPrice or
 * TotalPrice: "one of" rules the schema cannot state, so only OpportunityId and Quantity are required.
 */
const OPPORTUNITY_LINE_ITEM: StandardObject = {
  name: 'OpportunityLineItem',
  keyPrefix: '00k',
  owned: false,
  fields: [
    reference('OpportunityId', 'Opportunity', { ...REQUIRED, ...LOCKS_PARENT }),
    reference('PricebookEntryId', 'PricebookEntry'),
    reference('Product2Id', 'Product2'),
    double('Quantity', REQUIRED),
    currency('UnitPrice'),
    currency('TotalPrice'),
    percent('Discount'),
    date('ServiceDate'),
    text('Description', 255),
    currency('ListPrice', READ_ONLY),
    currency('Subtotal', READ_ONLY),
    text('Name', 376, READ_ONLY),
    text('ProductCode', 255, READ_ONLY),
    integer('SortOrder', READ_ONLY),
  ],
};

/** The service objects: Case and Asset. */

const CASE: StandardObject = {
  name: 'Case',
  keyPrefix: '500',
  fields: [
    text('Subject', 255),
    picklist('Status'),
    picklist('Priority'),
    picklist('Origin'),
    flag('IsEscalated'),
    longText('Description'),
    reference('AccountId', 'Account', LOCKS_PARENT),
    reference('ContactId', 'Contact', LOCKS_PARENT),
    // An auto-number.
    text('CaseNumber', 30, READ_ONLY),
    picklist('Type'),
    picklist('Reason'),
    picklist('Language'),
    text('SuppliedName', 80),
    email('SuppliedEmail'),
    text('SuppliedPhone', 40),
    text('SuppliedCompany', 80),
    reference('ParentId', 'Case'),
    reference('AssetId', 'Asset'),
    longText('Comments', 4000),
    flag('IsClosed', READ_ONLY),
    datetime('ClosedDate', READ_ONLY),
    email('ContactEmail', 80, READ_ONLY),
    phone('ContactPhone', READ_ONLY),
    phone('ContactMobile', READ_ONLY),
    phone('ContactFax', READ_ONLY),
    reference('MasterRecordId', 'Case', READ_ONLY),
    ...viewedDates(),
  ],
};

/** Salesforce also needs AccountId or ContactId: a "one of" rule the schema cannot state. */
const ASSET: StandardObject = {
  name: 'Asset',
  keyPrefix: '02i',
  fields: [
    text('Name', 255, REQUIRED),
    reference('AccountId', 'Account'),
    reference('ContactId', 'Contact'),
    reference('Product2Id', 'Product2'),
    reference('ParentId', 'Asset'),
    reference('AssetProvidedById', 'Account'),
    reference('AssetServicedById', 'Account'),
    text('SerialNumber', 80),
    date('InstallDate'),
    date('PurchaseDate'),
    date('UsageEndDate'),
    picklist('Status'),
    currency('Price'),
    double('Quantity'),
    longText('Description'),
    flag('IsCompetitorProduct'),
    flag('IsInternal'),
    reference('RootAssetId', 'Asset', READ_ONLY),
    integer('AssetLevel', READ_ONLY),
    text('ProductCode', 255, READ_ONLY),
    text('StockKeepingUnit', 180, READ_ONLY),
    ...viewedDates(),
  ],
};

/**
 * Task and Event. WhoId (a Contact or a Lead) and WhatId (any other record) are
 * polymorphic: WhoId takes the id of a contact or a lead, WhatId of any record (`*`, like
 * Attachment.ParentId; Salesforce's list of its objects is long and org-dependent). An event
 * needs ActivityDateTime (or ActivityDate when all-day) and DurationInMinutes or EndDateTime:
 * "one of" rules the schema cannot state, so no Event field is required here.
 */

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
const activityFields = (): FieldDef[] => [
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

const TASK: StandardObject = {
  name: 'Task',
  keyPrefix: '00T',
  fields: [
    subject,
    date('ActivityDate'),
    // Required in Salesforce but defaulted on create (Not Started, Normal): a load may leave them out.
    picklist('Status'),
    picklist('Priority'),
    picklist('TaskSubtype'),
    ...activityFields(),
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

const EVENT: StandardObject = {
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
    ...activityFields(),
    flag('IsChild', READ_ONLY),
    flag('IsGroupEvent', READ_ONLY),
    picklist('GroupEventType', READ_ONLY),
    ...recurrence(datetime('RecurrenceStartDateTime')),
  ],
};

/** Campaign and CampaignMember. */

const CAMPAIGN: StandardObject = {
  name: 'Campaign',
  keyPrefix: '701',
  fields: [
    text('Name', 80, REQUIRED),
    reference('ParentId', 'Campaign'),
    picklist('Type'),
    picklist('Status'),
    date('StartDate'),
    date('EndDate'),
    currency('ExpectedRevenue'),
    currency('BudgetedCost'),
    currency('ActualCost'),
    percent('ExpectedResponse'),
    double('NumberSent'),
    flag('IsActive'),
    longText('Description'),
    // Roll-ups of the campaign's members and opportunities.
    integer('NumberOfLeads', READ_ONLY),
    integer('NumberOfConvertedLeads', READ_ONLY),
    integer('NumberOfContacts', READ_ONLY),
    integer('NumberOfResponses', READ_ONLY),
    integer('NumberOfOpportunities', READ_ONLY),
    integer('NumberOfWonOpportunities', READ_ONLY),
    currency('AmountAllOpportunities', READ_ONLY),
    currency('AmountWonOpportunities', READ_ONLY),
    date('LastActivityDate', READ_ONLY),
    ...viewedDates(),
  ],
};

/**
 * A lead or contact in a campaign. Salesforce also needs LeadId or ContactId (a "one of" rule the
 * schema cannot state). The person's details are copied from the lead or contact: read-only here.
 * No owner: a member belongs to its campaign.
 */
const CAMPAIGN_MEMBER: StandardObject = {
  name: 'CampaignMember',
  keyPrefix: '00v',
  owned: false,
  fields: [
    reference('CampaignId', 'Campaign', { ...REQUIRED, ...LOCKS_PARENT }),
    reference('LeadId', 'Lead'),
    reference('ContactId', 'Contact'),
    picklist('Status'),
    reference('LeadOrContactId', '*', { ...READ_ONLY, referenceTargets: ['Contact', 'Lead'] }),
    flag('HasResponded', READ_ONLY),
    date('FirstRespondedDate', READ_ONLY),
    text('Type', 40, READ_ONLY),
    picklist('Salutation', READ_ONLY),
    text('FirstName', 40, READ_ONLY),
    text('LastName', 80, READ_ONLY),
    text('Name', 121, READ_ONLY),
    text('Title', 128, READ_ONLY),
    text('CompanyOrAccount', 255, READ_ONLY),
    email('Email', 80, READ_ONLY),
    phone('Phone', READ_ONLY),
    phone('MobilePhone', READ_ONLY),
    phone('Fax', READ_ONLY),
    longText('Street', 255, READ_ONLY),
    text('City', 40, READ_ONLY),
    text('State', 80, READ_ONLY),
    text('PostalCode', 20, READ_ONLY),
    text('Country', 80, READ_ONLY),
    longText('Description', 32_000, READ_ONLY),
    picklist('LeadSource', READ_ONLY),
    flag('DoNotCall', READ_ONLY),
    flag('HasOptedOutOfEmail', READ_ONLY),
    flag('HasOptedOutOfFax', READ_ONLY),
  ],
};

/**
 * Products and price books: Product2, Pricebook2, PricebookEntry. None has an owner.
 * Salesforce also wants a standard-price-book entry before a custom one; the local org has no
 * standard price book, so that rule is not modelled.
 */

const PRODUCT2: StandardObject = {
  name: 'Product2',
  keyPrefix: '01t',
  owned: false,
  fields: [
    text('Name', 255, REQUIRED),
    text('ProductCode', 255),
    longText('Description', 4000),
    flag('IsActive'),
    picklist('Family'),
    picklist('QuantityUnitOfMeasure'),
    url('DisplayUrl', 1000),
    text('ExternalId', 255),
    text('StockKeepingUnit', 180),
    flag('IsArchived', READ_ONLY),
    ...viewedDates(),
  ],
};

const PRICEBOOK2: StandardObject = {
  name: 'Pricebook2',
  keyPrefix: '01s',
  owned: false,
  fields: [text('Name', 255, REQUIRED), text('Description', 255), flag('IsActive'), flag('IsStandard', READ_ONLY), flag('IsArchived', READ_ONLY), ...viewedDates()],
};

const PRICEBOOK_ENTRY: StandardObject = {
  name: 'PricebookEntry',
  keyPrefix: '01u',
  owned: false,
  fields: [
    reference('Pricebook2Id', 'Pricebook2', REQUIRED),
    reference('Product2Id', 'Product2', REQUIRED),
    currency('UnitPrice', REQUIRED),
    flag('IsActive'),
    flag('UseStandardPrice'),
    // Copied from the product.
    text('Name', 255, READ_ONLY),
    text('ProductCode', 255, READ_ONLY),
    flag('IsArchived', READ_ONLY),
  ],
};

/**
 * Contracts and orders: Contract, Order, OrderItem. Salesforce creates both in Draft
 * and refuses another status on insert, and Contract.Status defaults to Draft: a rule on values,
 * not on presence, left unmodelled.
 */

const CONTRACT: StandardObject = {
  name: 'Contract',
  keyPrefix: '800',
  fields: [
    reference('AccountId', 'Account', REQUIRED),
    picklist('Status'),
    date('StartDate'),
    integer('ContractTerm'),
    // StartDate plus ContractTerm months.
    date('EndDate', READ_ONLY),
    picklist('OwnerExpirationNotice'),
    longText('SpecialTerms', 4000),
    longText('Description'),
    reference('Pricebook2Id', 'Pricebook2'),
    reference('CompanySignedId', 'User'),
    date('CompanySignedDate'),
    reference('CustomerSignedId', 'Contact'),
    text('CustomerSignedTitle', 40),
    date('CustomerSignedDate'),
    ...addressParts('Billing'),
    text('ContractNumber', 30, READ_ONLY),
    picklist('StatusCode', READ_ONLY),
    datetime('ActivatedDate', READ_ONLY),
    reference('ActivatedById', 'User', READ_ONLY),
    datetime('LastApprovedDate', READ_ONLY),
    date('LastActivityDate', READ_ONLY),
    ...viewedDates(),
  ],
};

const ORDER: StandardObject = {
  name: 'Order',
  keyPrefix: '801',
  fields: [
    reference('AccountId', 'Account', REQUIRED),
    date('EffectiveDate', REQUIRED),
    picklist('Status', REQUIRED),
    text('Name', 80),
    reference('ContractId', 'Contract'),
    reference('Pricebook2Id', 'Pricebook2'),
    reference('OpportunityId', 'Opportunity'),
    reference('OriginalOrderId', 'Order'),
    date('EndDate'),
    picklist('Type'),
    text('PoNumber', 80),
    date('PoDate'),
    text('OrderReferenceNumber', 80),
    longText('Description'),
    reference('CustomerAuthorizedById', 'Contact'),
    date('CustomerAuthorizedDate'),
    reference('CompanyAuthorizedById', 'User'),
    date('CompanyAuthorizedDate'),
    reference('BillToContactId', 'Contact'),
    reference('ShipToContactId', 'Contact'),
    ...addressParts('Billing'),
    ...addressParts('Shipping'),
    text('OrderNumber', 30, READ_ONLY),
    currency('TotalAmount', READ_ONLY),
    picklist('StatusCode', READ_ONLY),
    ...viewedDates(),
  ],
};

/** A product on an order; no owner (it belongs to its order). */
const ORDER_ITEM: StandardObject = {
  name: 'OrderItem',
  keyPrefix: '802',
  owned: false,
  fields: [
    reference('OrderId', 'Order', { ...REQUIRED, ...LOCKS_PARENT }),
    reference('PricebookEntryId', 'PricebookEntry', REQUIRED),
    double('Quantity', REQUIRED),
    currency('UnitPrice', REQUIRED),
    reference('Product2Id', 'Product2'),
    reference('OriginalOrderItemId', 'OrderItem'),
    date('ServiceDate'),
    date('EndDate'),
    text('Description', 255),
    currency('ListPrice', READ_ONLY),
    currency('TotalPrice', READ_ONLY),
    text('OrderItemNumber', 30, READ_ONLY),
    double('AvailableQuantity', READ_ONLY),
  ],
};

/** The binary objects (ZIP_* jobs): a base64 field takes the bytes of a file in the batch's zip. */

const ATTACHMENT: StandardObject = {
  name: 'Attachment',
  keyPrefix: '00P',
  fields: [
    text('Name', 255, REQUIRED),
    { name: 'ParentId', type: 'reference', referenceTo: '*', required: true },
    { name: 'Body', type: 'base64', required: true, lengthField: 'BodyLength' },
    integer('BodyLength', READ_ONLY),
    text('ContentType', 120),
    longText('Description', 500),
    flag('IsPrivate'),
  ],
};

const DOCUMENT: StandardObject = {
  name: 'Document',
  keyPrefix: '015',
  fields: [
    text('Name', 255, REQUIRED),
    { name: 'FolderId', type: 'reference', referenceTo: '*', required: true },
    { name: 'Body', type: 'base64', lengthField: 'BodyLength' },
    integer('BodyLength', READ_ONLY),
    text('ContentType', 120),
    text('Type', 40),
  ],
};

const CONTENT_VERSION: StandardObject = {
  name: 'ContentVersion',
  keyPrefix: '068',
  fields: [
    text('Title', 255, REQUIRED),
    text('PathOnClient', 500, REQUIRED),
    { name: 'VersionData', type: 'base64', required: true, lengthField: 'ContentSize' },
    integer('ContentSize', READ_ONLY),
    longText('Description', 1000),
  ],
};

/**
 * User. Salesforce also requires Alias, Email, CommunityNickname, ProfileId and the four
 * locale keys on insert; the local org has always required only Username and LastName (its tests
 * insert users that way), and it has no Profile object for ProfileId to name.
 */

const USER: StandardObject = {
  name: 'User',
  keyPrefix: '005',
  fields: [
    text('Username', 80, { required: true, unique: true }),
    text('LastName', 80, REQUIRED),
    email('Email', 128),
    text('FirstName', 40),
    text('MiddleName', 40),
    text('Suffix', 40),
    text('Name', 121, READ_ONLY),
    text('Alias', 8),
    text('CommunityNickname', 40),
    text('Title', 80),
    text('CompanyName', 80),
    text('Department', 80),
    text('Division', 80),
    text('EmployeeNumber', 20),
    ...addressParts(''),
    phone('Phone'),
    phone('MobilePhone'),
    phone('Fax'),
    text('Extension', 40),
    flag('IsActive'),
    picklist('TimeZoneSidKey'),
    picklist('LocaleSidKey'),
    picklist('EmailEncodingKey'),
    picklist('LanguageLocaleKey'),
    reference('ManagerId', 'User'),
    text('FederationIdentifier', 512),
    longText('AboutMe', 1000),
    email('SenderEmail'),
    text('SenderName', 80),
    longText('Signature', 1333),
    flag('ReceivesInfoEmails'),
    picklist('UserType', READ_ONLY),
    datetime('LastLoginDate', READ_ONLY),
  ],
};

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
