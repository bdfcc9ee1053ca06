/** The binary objects (ZIP_* jobs): a base64 field takes the bytes of a file in the batch's zip. */
import type { StandardObject } from './field-builders.js';
import { READ_ONLY, REQUIRED, flag, integer, longText, text } from './field-builders.js';

export const ATTACHMENT: StandardObject = {
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

export const DOCUMENT: StandardObject = {
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

export const CONTENT_VERSION: StandardObject = {
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
