"""Renda (智慧人大): the platform of a county People's Congress Standing Committee."""
