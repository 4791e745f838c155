import type { CodeProblem } from '../../services/two-factor.ts';
import { msg, type Msg } from '../i18n.ts';

/** Why a two-factor code was not accepted, worded for the field. */
export function codeError(problem: CodeProblem): Msg {
  switch (problem) {
    case 'missing':
      return msg('validation.twoFactor.missing');
    case 'invalid':
      return msg('validation.twoFactor.invalid');
    case 'wrong':
      return msg('validation.twoFactor.wrong');
    case 'reused':
      return msg('validation.twoFactor.reused');
    case 'recovery-used':
      return msg('validation.twoFactor.recoveryUsed');
    case 'recovery-wrong':
      return msg('validation.twoFactor.recoveryWrong');
  }
}

/** A refused two-factor form's password and code problems, worded for their fields. */
export function passwordAndCodeErrors(problems: { password?: 'missing' | 'wrong'; code?: CodeProblem }): { password?: Msg; code?: Msg } {
  return {
    password: problems.password === 'missing' ? msg('validation.twoFactor.passwordMissing') : problems.password === 'wrong' ? msg('validation.twoFactor.passwordWrong') : undefined,
    code: problems.code ? codeError(problems.code) : undefined,
  };
}
