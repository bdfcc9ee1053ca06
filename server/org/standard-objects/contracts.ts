/**
 * Contracts and orders (API 62.0): Contract, Order, OrderItem. Salesforce creates both in Draft
 * and refuses another status on insert, and Contract.Status defaults to Draft: a rule on values,
 * not on presence, left unmodelled.
 */
import { READ_ONLY, REQUIRED, type StandardObject, addressParts, currency, date, datetime, double, integer, longText, picklist, reference, text, viewedDates } from './field-builders.js';

export const CONTRACT: StandardObject = {
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

export const ORDER: StandardObject = {
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
export const ORDER_ITEM: StandardObject = {
  name: 'OrderItem',
  keyPrefix: '802',
  owned: false,
  fields: [
    reference('OrderId', 'Order', REQUIRED),
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
  ],
};
