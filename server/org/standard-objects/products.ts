/**
 * Products and price books (API 62.0): Product2, Pricebook2, PricebookEntry. None has an owner.
 * Salesforce also wants a standard-price-book entry before a custom one; the local org has no
 * standard price book, so that rule is not modelled.
 */
import { READ_ONLY, REQUIRED, type StandardObject, currency, flag, longText, picklist, reference, text, url, viewedDates } from './field-builders.js';

export const PRODUCT2: StandardObject = {
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

export const PRICEBOOK2: StandardObject = {
  name: 'Pricebook2',
  keyPrefix: '01s',
  owned: false,
  fields: [text('Name', 255, REQUIRED), text('Description', 255), flag('IsActive'), flag('IsStandard', READ_ONLY), flag('IsArchived', READ_ONLY), ...viewedDates()],
};

export const PRICEBOOK_ENTRY: StandardObject = {
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
