import { maskEmail } from './mask-email.js';

describe('maskEmail', () => {
  it.each([
    ['jane.doe@example.com', 'j***@example.com'],
    ['j@example.com', 'j***@example.com'],
    ["o'brien+tag@mail.example.co.uk", 'o***@mail.example.co.uk'],
  ])('masks %s as %s', (email, masked) => {
    expect(maskEmail(email)).toBe(masked);
  });

  it('reveals nothing of a value that is not an address', () => {
    expect(maskEmail('not-an-address')).toBe('***');
  });
});
