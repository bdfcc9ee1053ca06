/**
 * User (API 62.0). Salesforce also requires Alias, Email, CommunityNickname, ProfileId and the four
 * locale keys on insert; the local org has always required only Username and LastName (its tests
 * insert users that way), and it has no Profile object for ProfileId to name.
 */
import { READ_ONLY, REQUIRED, type StandardObject, addressParts, datetime, email, flag, longText, phone, picklist, reference, text } from './field-builders.js';

export const USER: StandardObject = {
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
